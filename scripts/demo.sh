#!/usr/bin/env bash
# The main job on the embedded defaults: ingest a real sales table and real server logs into
# the workspace (SQLite catalog, FAISS files), then search them.
set -euo pipefail
cd "$(dirname "$0")/.."
LL=.venv/bin/lakelight
export LAKELIGHT_HOME=${LAKELIGHT_HOME:-.lakelight}
SUPERSTORE=$(.venv/bin/python -c 'from tests.data import superstore_csv; print(superstore_csv())')
LOGS=.data/fail2ban/logs

echo "== Ingest Sample Superstore (9,994 sales rows)"
$LL ingest "$SUPERSTORE" --table superstore
echo "== Ingest real sshd, Apache and Nginx logs (fail2ban's test logs)"
for log in sshd apache-auth apache-badbots nginx-http-auth nginx-botsearch; do
  $LL ingest "$LOGS/$log"
done
echo
echo '== lakelight search "office chairs shipped first class to Seattle" --k 3'
$LL search "office chairs shipped first class to Seattle" --k 3
echo
echo '== lakelight search "failed password for root from 194.117.26.69" --k 3'
$LL search "failed password for root from 194.117.26.69" --k 3
echo
echo '== lakelight ask "Which IP had the most failed SSH logins?" --no-llm'
$LL ask "Which IP had the most failed SSH logins?" --no-llm
echo
echo '== lakelight synth --table superstore --n 1000 --where "Region=West" (rows like the West region'"'"'s sales)'
$LL synth --table superstore --n 1000 --where "Region=West" --seed 1 \
  --out "$LAKELIGHT_HOME/synthetic-west.csv" --report "$LAKELIGHT_HOME/synthetic-west.html"
head -4 "$LAKELIGHT_HOME/synthetic-west.csv"
echo
echo '== lakelight guard scan "Refund card 4111 1111 1111 1111 for Ana Silva, ana.silva@example.com"'
$LL guard scan "Refund card 4111 1111 1111 1111 for Ana Silva, ana.silva@example.com"
