# srt_attack_lib.sh: what the SRT attack tests share (sourced after they export TOPO_PREFIX, TOPO_QPAIRS and
# TOPO_API_PORT): the topology, a work directory, the libsrt origin and the ffmpeg capture, fail/pass; the waits
# on an origin listening and on a recording long enough are lib/srt_media.sh's.
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/srt_media.sh"
WORK=$(mktemp -d "/tmp/${TOPO_PREFIX:?}-srt.XXXXXX")
ORIGIN=${MP_BUILD_DIR:?}/tests/e2e/test_e2e_srt_origin
PCAP=$(dirname "${BASH_SOURCE[0]}")/../data/srt-ffmpeg-publish.pcap
netns_at_exit 'rm -rf "$WORK"'
fail() { echo "FAIL: $*"; cat "$APPLIANCE_LOG"; for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done; exit 1; }
pass() { echo "ok - $*"; passed=$((passed + 1)); }
passed=0
API=http://127.0.0.1:$TOPO_API_PORT
ATTACKER_IP=198.18.1.3
