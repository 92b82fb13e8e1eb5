#!/usr/bin/env bash
# Desktop smoke test: starts the desktop binary (make desktop) under Xvfb
# with a fresh data folder, loopback HTTP and SIP on free ports and known
# credentials, waits (bounded) until the window has loaded the editor,
# screenshots the screen into frontend/e2e/artifacts/desktop.png and fails
# unless the editor is on it, signed in, listing flows:
#   1. the window's request log (serve --log-level debug, path and status
#      only) shows /, the editor's script and GET /v2/Flows served 200
#      through the window, no request refused, no sign-in;
#   2. the HTTP listener answers /healthz alongside the window;
#   3. the screenshot is not blank (colours and contrast above a floor);
#   4. SIGTERM closes the window and stops the appliance cleanly.
# Xvfb and the binary are stopped on every exit path.
# Usage: build/desktop-smoke.sh [bin/switchboard-desktop]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/bin/switchboard-desktop}
shot=$root/frontend/e2e/artifacts/desktop.png
account=AC000000000000000000000000000000e2 # the e2e tests' account (frontend/e2e/appliance.mjs)
token=0123456789abcdef0123456789abcdef
wait_window=${SWITCHBOARD_SMOKE_WAIT:-60} # seconds for the window to load the editor

for c in Xvfb import identify; do
	command -v "$c" >/dev/null || { echo "desktop-smoke: $c is missing (make desktop-test installs xvfb and imagemagick)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "desktop-smoke: $bin is missing: run make desktop" >&2; exit 1; }

tmp=$(mktemp -d /tmp/sb-desktop-XXXXXX)
xvfb_pid="" app_pid=""
log=$tmp/switchboard.log

stop_pid() { # pid, seconds: SIGTERM, then SIGKILL after the wait
	local pid=$1 n=$(($2 * 10))
	kill -TERM "$pid" 2>/dev/null || return 0
	while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
	[ -n "$app_pid" ] && stop_pid "$app_pid" 10
	[ -n "$xvfb_pid" ] && stop_pid "$xvfb_pid" 5
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "desktop-smoke: FAIL: $*" >&2
	if [ -s "$log" ]; then
		echo "--- switchboard log (last 40 lines) ---" >&2
		tail -n 40 "$log" >&2
	fi
	exit 1
}

# Xvfb picks a free display itself and writes its number to fd 3.
echo "desktop-smoke: starting Xvfb (1280x800, no TCP)"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; kill -0 "$xvfb_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$tmp/display" ] || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
display=:$(tr -d '[:space:]' <"$tmp/display")

echo "desktop-smoke: starting $(basename "$bin") on display $display"
mkdir -p "$tmp/data"
DISPLAY=$display WAYLAND_DISPLAY='' GDK_BACKEND=x11 SWITCHBOARD_AUTH_TOKEN=$token \
	"$bin" serve --data "$tmp/data" --http 127.0.0.1:0 --sip 127.0.0.1:0 \
	--account-sid "$account" --log-level debug >"$log" 2>&1 &
app_pid=$!

# window_served PATTERN: the window served a GET of PATTERN (a regex of the
# path) with 200.
window_served() { grep -Eq "msg=\"window request\" method=GET path=$1 status=200" "$log"; }

echo "desktop-smoke: waiting up to ${wait_window}s for the window to load the editor"
deadline=$((SECONDS + wait_window))
until window_served '/v2/Flows'; do
	kill -0 "$app_pid" 2>/dev/null || fail "switchboard exited before the window loaded the editor"
	[ $SECONDS -lt $deadline ] || fail "the window did not list flows within ${wait_window}s"
	sleep 0.2
done
window_served '/' || fail "the window did not load the editor's page"
window_served '/assets/index-[^ ]+\.js' || fail "the window did not load the editor's script"
window_served '/auth/session' || fail "the window did not check its session"
if grep -E 'msg="window request" .*status=(4|5)[0-9][0-9]' "$log" >&2; then fail "the window had requests refused (above)"; fi
if grep -Eq 'msg="window request" method=POST path=/auth/session' "$log"; then fail "the window showed the sign-in page"; fi

http=$(sed -nE 's/.*msg="switchboard serving" .* http=(http:\/\/[^ ]+).*/\1/p' "$log" | head -n 1)
[ -n "$http" ] || fail "no HTTP address in the log"
if command -v curl >/dev/null; then
	curl -fsS --max-time 5 "$http/healthz" >/dev/null || fail "the HTTP listener ($http) does not answer beside the window"
fi

# The page has its data; give the paint a moment, then look (bounded).
mkdir -p "$(dirname "$shot")"
echo "desktop-smoke: screenshot of the window -> ${shot#"$root"/}"
colours=0 spread=0
for _ in $(seq 20); do
	sleep 0.5
	DISPLAY=$display import -window root "$shot" 2>>"$tmp/import.log" || continue
	read -r colours spread < <(identify -format '%k %[fx:standard_deviation]\n' "$shot")
	# The flows list (text, buttons, badges) has hundreds of colours; a
	# blank or single-colour screen has a handful.
	if [ "$colours" -ge 200 ] && awk -v s="$spread" 'BEGIN { exit !(s > 0.02) }'; then break; fi
done
[ "$colours" -ge 200 ] || fail "the screenshot looks blank ($colours colours)"
awk -v s="$spread" 'BEGIN { exit !(s > 0.02) }' || fail "the screenshot has no contrast (standard deviation $spread)"

echo "desktop-smoke: stopping with SIGTERM (the window closes, the appliance stops)"
kill -TERM "$app_pid"
n=100
while [ $n -gt 0 ] && kill -0 "$app_pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
kill -0 "$app_pid" 2>/dev/null && fail "switchboard did not stop within 10 s of SIGTERM"
status=0
wait "$app_pid" || status=$?
app_pid=""
[ $status -eq 0 ] || fail "switchboard exited $status after SIGTERM"
grep -q 'msg="switchboard stopped"' "$log" || fail "switchboard did not log a clean stop"
if grep -q 'level=ERROR' "$log"; then grep 'level=ERROR' "$log" >&2; fail "errors in the log (above)"; fi

echo "desktop-smoke: ok: the window showed the editor signed in and listing flows ($colours colours); ${shot#"$root"/}"
