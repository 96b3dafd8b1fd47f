#!/usr/bin/env bash
# make demo: keepwf's main job on a throwaway repository — init, deploy, run, edit, deploy, runs by version, diff,
# rollback — then the branch-and-tag release flow of docs/tutorial.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/keepwf-demo.XXXXXX")
export GIT_AUTHOR_NAME="Demo User" GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME="Demo User" GIT_COMMITTER_EMAIL=demo@example.com
step() { printf '\n\033[1;36m$ %s\033[0m\n' "$*"; "$@"; }
say() { printf '\n\033[1;33m# %s\033[0m\n' "$*"; }
cd "$DEMO"

say "A repository with one example workflow, committed."
step keepwf init .
step git add -A
step git commit -qm "Add hello-alert workflow"
step keepwf validate

say "Deploy v1 and run it against an alert: the run is recorded in git notes on the deployed commit."
step keepwf deploy hello-alert -m "First release"
cat > alert.json <<'JSON'
{"id": "a-1", "name": "DiskFull", "severity": "critical", "source": ["prometheus"], "fingerprint": "disk-full-db1"}
JSON
step keepwf run hello-alert --alert alert.json

say "Edit, commit, deploy v2; run it twice."
sed -i.bak 's/Paging on-call/Paging the on-call engineer/' workflows/hello-alert.yml && rm -f workflows/hello-alert.yml.bak
step git commit -qam "Clearer page message"
step keepwf deploy hello-alert -m "Second release"
step keepwf run hello-alert --alert alert.json
step keepwf run hello-alert --alert alert.json

say "Edit the working copy without deploying: run still executes v2 (and says so); --draft runs the edit apart."
sed -i.bak 's/Got alert/Received alert/' workflows/hello-alert.yml && rm -f workflows/hello-alert.yml.bak
step keepwf status hello-alert
step keepwf run hello-alert --alert alert.json
step keepwf run hello-alert --alert alert.json --draft

say "Runs by version: v2 has three runs, v1 one; the draft run is in neither."
step keepwf runs hello-alert --version v2
step keepwf runs hello-alert --version v1

say "What changed: deployed vs working copy (exit 1 = different), and between two versions."
step keepwf diff hello-alert || true
step keepwf diff hello-alert v1 v2 || true
git checkout -q -- workflows/hello-alert.yml

say "Roll back: v3 is a new version pointing at v1's commit (tags never move); run it."
step keepwf rollback hello-alert --to v1 -m "v2 pages twice"
step keepwf run hello-alert --alert alert.json
step keepwf runs hello-alert --version v3
step keepwf history hello-alert
step keepwf audit
step git notes --ref keepwf/runs show "keepwf/production/hello-alert/v3^{commit}"

say "Serve: the live runtime. Alertmanager posts to /alerts/event/prometheus (basic_auth password = an API key);"
say "the event is journaled, answered 202, and the deployed version (v3) runs and is recorded like any run."
export KEEPWF_API_KEYS=demo-key
keepwf serve --port 0 --log-format json 2> serve.log &
SERVE_PID=$!
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*"url": "http:\/\/127.0.0.1:\([0-9]*\)".*/\1/p' serve.log | head -1)
  [ -n "$PORT" ] && break; sleep 0.1
done
cat > alertmanager.json <<'JSON'
{"version": "4", "status": "firing", "receiver": "keepwf", "alerts": [{"status": "firing",
 "labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db1"},
 "annotations": {"summary": "disk almost full"}, "fingerprint": "7a1d9c3e", "startsAt": "2026-11-30T10:00:00Z"}]}
JSON
step python3 -c "import base64, sys, urllib.request as u; r = u.urlopen(u.Request('http://127.0.0.1:$PORT/alerts/event/prometheus', data=open('alertmanager.json', 'rb').read(), headers={'Content-Type': 'application/json', 'Authorization': 'Basic ' + base64.b64encode(b'api_key:demo-key').decode()})); print(r.status, r.read().decode())"
for _ in $(seq 1 100); do grep -q '"msg": "run"' serve.log && break; sleep 0.1; done
sleep 0.5
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" || true
step keepwf runs hello-alert --limit 2
echo; echo "Demo repository left in $DEMO"

# The branch-and-tag release flow as a team uses it (docs/tutorial.md, every command run for real).
printf '\n\033[1;35m== The release flow of docs/tutorial.md (two clones, a bare "server", hooks, reviews, deploys) ==\033[0m\n'
python "$HERE/run_tutorial.py"
