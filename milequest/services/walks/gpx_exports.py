"""A walker's activities as GPX: one file with a track each (points where recorded), or a file
per recorded walk; tracks are tagged with the activity's client id so a file imports back as
duplicates, not as new walks.
"""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import groupby

import gpxpy.gpx
from sqlalchemy import Select, func, select

from milequest.extensions import db
from milequest.lib.gps_files import MQ_CLIENT_ID, MQ_NAMESPACE
from milequest.models import Activity, User
from milequest.services.walks import tracks


def gpx_document(walker: User) -> str:
    """Every activity of `walker`, oldest first, with its whole track (it is their own data)."""
    gpx = _gpx()
    for activity, track_ewkt in db.session.execute(_with_tracks(walker)):
        gpx.tracks.append(_track(activity, track_ewkt))
    return gpx.to_xml(version="1.1")


def recorded_walk_documents(walker: User) -> Iterator[tuple[Activity, str]]:
    """Each of the walker's recorded walks (an activity with a track) as its own GPX file."""
    query = _with_tracks(walker).where(Activity.track.is_not(None))
    for activity, track_ewkt in db.session.execute(query).all():
        gpx = _gpx()
        gpx.tracks.append(_track(activity, track_ewkt))
        yield activity, gpx.to_xml(version="1.1")


def _gpx() -> gpxpy.gpx.GPX:
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Mile Quest"
    gpx.nsmap["mq"] = MQ_NAMESPACE
    return gpx


def _with_tracks(walker: User) -> Select[Activity, str]:
    return (
        select(Activity, func.ST_AsEWKT(Activity.track))
        .where(Activity.user_id == walker.id)
        .order_by(Activity.activity_date, Activity.id)
    )


def _track(activity: Activity, track_ewkt: str | None) -> gpxpy.gpx.GPXTrack:
    track = gpxpy.gpx.GPXTrack(name=f"{activity.kind} on {activity.activity_date.isoformat()}")
    track.type = activity.kind  # type: ignore[assignment]  # gpxpy declares it None
    track.description = activity.note or None
    client_id = ET.Element(MQ_CLIENT_ID)
    client_id.text = str(activity.client_id)
    track.extensions.append(client_id)
    if track_ewkt:
        for _, span in groupby(tracks.vertices(track_ewkt), key=lambda v: v.span):
            segment = gpxpy.gpx.GPXTrackSegment()  # one per recorded span: pauses stay pauses
            segment.points = [gpxpy.gpx.GPXTrackPoint(v.lat, v.lon) for v in span]
            track.segments.append(segment)
        track.segments[0].points[0].time = activity.started_at
    return track
