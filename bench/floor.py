"""The floor: TechEmpower's "fortunes" on this stack, the cheapest page it can serve.

One query, one small Jinja template, Flask, SQLAlchemy's pool and psycopg2, served by the
same gunicorn settings (gunicorn.conf.py: gevent workers, psycogreen) against the same
database as the app. Every scenario's capacity is reported as a ratio to it, measured in the
same run: ratios survive a noisy shared machine, absolute figures don't.
"""

import os
from pathlib import Path

from flask import Flask, render_template
from sqlalchemy import create_engine, text

from milequest.config import LOCAL_DATABASE_URL, sqlalchemy_url

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
engine = create_engine(sqlalchemy_url(os.environ.get("DATABASE_URL", LOCAL_DATABASE_URL)))
# Twelve short rows, as the fortunes table has: the teams' names stand in for the fortunes.
_FORTUNES = text("SELECT id, name FROM teams ORDER BY id LIMIT 12")


@app.get("/floor")
def fortunes():
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(_FORTUNES)]
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return render_template("floor.html", fortunes=rows)
