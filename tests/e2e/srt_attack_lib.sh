# srt_attack_lib.sh: what the SRT attack tests share (sourced after they export TOPO_PREFIX, TOPO_QPAIRS and
# TOPO_API_PORT): the topology, a work directory, the libsrt origin and the ffmpeg capture; the waits
# on an origin listening and on a recording long enough are lib/srt_media.sh's.
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/srt_media.sh"
netns_workdir "${TOPO_PREFIX:?}-srt"
ORIGIN=${MP_BUILD_DIR:?}/tests/e2e/test_e2e_srt_origin
PCAP=$(dirname "${BASH_SOURCE[0]}")/../data/srt-ffmpeg-publish.pcap
FAIL_LOGS+=("$WORK/*.log")
API=http://127.0.0.1:$TOPO_API_PORT
ATTACKER_IP=198.18.1.3
