# Sourced by run.sh and test.sh: starts the local services unless they already run (or
# DATABASE_URL / REDIS_URL point elsewhere), exports their URLs, and stops on exit only what
# this shell started.
if scripts/services.sh status >/dev/null 2>&1; then
  _services_started=0
else
  _services_started=1
fi
scripts/services.sh up
eval "$(scripts/services.sh env)"
_stop_started_services() {
  if [ "$_services_started" = 1 ]; then scripts/services.sh down; fi
}
trap _stop_started_services EXIT
