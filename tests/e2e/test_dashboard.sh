#!/usr/bin/env bash
# test_dashboard.sh: the System API's /dashboard in headless Chromium (chromedriver) against the real
# appliance with the bearer token on: without the token the page asks for it and shows no data; with it
# the page shows the registered origin and a live SRT session's packet rate (a real SRT stream through
# the data plane). DASHBOARD_SCREENSHOT=PATH keeps a screenshot (docs/dashboard.png is made this way).
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"
token=dash-$$-secret

mph_up
fault_appliance_start --api-auth-enabled=on --api-auth-token="$token" || fail "start"
origin_start oA 13210 10091
curl -s -f -m 10 -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
	"http://127.0.0.1:$SYS_PORT/api/v1/srs/register" -d "{\"device_id\":\"oA\",\"ip\":\"$ORIGIN_IP\",
	\"server\":\"srv-oA\",\"service\":\"svc\",\"pid\":\"13210\",\"api\":[\"$MGMT_ORIGIN:13210\"],
	\"rtc\":[\"udp://$ORIGIN_IP:8000\"],\"srt\":[\"$ORIGIN_IP:10091\"]}" >/dev/null || fail "register"
srt_live_start s1 oA
pass "a live SRT stream reaches the registered origin"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SYS_PORT/api/v1/origins")
[ "$code" = 401 ] || fail "the API answered $code without the token"
page=$(curl -s -L "http://127.0.0.1:$SYS_PORT/dashboard")
[[ $page == *"<title>mediaplane dashboard</title>"* && $page != *"srv-oA"* ]] || fail "page: $page"
[[ $(curl -s "http://127.0.0.1:$SYS_PORT/dashboard/app.js") == *"Bearer"* ]] || fail "app.js not served"
pass "the page's files are served (no data in them); the API behind them needs the token"

out=$("$PY" "$(dirname "$0")/dashboard_check.py" --expect-login "http://127.0.0.1:$SYS_PORT/dashboard/") ||
	fail "without the token: $out"
pass "headless Chromium without the token: the page asks for it and shows nothing"

out=$("$PY" "$(dirname "$0")/dashboard_check.py" --origin srv-oA-svc-13210 --srt-rate \
	${DASHBOARD_SCREENSHOT:+--screenshot "$DASHBOARD_SCREENSHOT"} \
	"http://127.0.0.1:$SYS_PORT/dashboard/#token=$token") || fail "with the token: $out"
grep -q "^srt" <<<"$out" || fail "no SRT session row: $out"
pass "headless Chromium with the token: the origin and the live SRT session's rate"

srt_live_end s1
pass "SRT: every message reached the origin"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
