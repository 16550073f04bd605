# srt_media.sh: SRT media checks of the end-to-end tests on topo.sh's topology (sourced after it): waits
# on a UDP listener and on a recording long enough, what ffprobe must find in a recording, and an ffmpeg
# publish through the appliance to an srt-live-transmit origin whose recording is checked so.

# udp_listening NS PORT: something in namespace NS listens on UDP PORT
udp_listening() { [ -n "$(ip netns exec "$1" ss -Hlun "sport = :$2")" ]; }

# duration_at_least FILE SECONDS: ffprobe finds at least SECONDS of media in FILE
duration_at_least() {
	local d
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" 2>/dev/null) || return 1
	python3 -c "import sys; sys.exit(0 if float('$d') >= $2 else 1)" 2>/dev/null
}

# srt_publish_probed HOST STREAMID: srt-live-transmit listening on UDP 10081 in $NS_O (the origin the
# caller registered) writes what arrives to $WORK/origin.ts; ffmpeg in $NS_C publishes 4 s of H.264 +
# AAC to srt://HOST:10080 with STREAMID; ffprobe must find H.264, AAC and at least 3 s in the
# recording. Its duration is in $dur. Calls the test's fail otherwise.
srt_publish_probed() {
	local host=$1 sid=$2
	netns_bg "$NS_O" srt-live-transmit -q "srt://:10081?mode=listener" "file://con" >"$WORK/origin.ts" 2>"$WORK/slt.log"
	wait_until 30 udp_listening "$NS_O" 10081 || fail "srt-live-transmit does not listen"
	ip netns exec "$NS_C" ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
		-f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p \
		-c:a aac -b:a 64k -f mpegts "srt://$host:10080?streamid=$sid&pkt_size=1316" >"$WORK/ffpub.log" 2>&1 ||
		fail "ffmpeg publish to srt://$host:10080"
	# the origin has written what it received (SRT may still be delivering the last packets)
	wait_until 30 duration_at_least "$WORK/origin.ts" 3.0 || true
	kill -INT "${NETNS_PIDS[-1]}" 2>/dev/null || true
	wait "${NETNS_PIDS[-1]}" 2>/dev/null || true
	srt_recording_ok "$WORK/origin.ts"
}

# srt_recording_ok FILE: ffprobe finds H.264, AAC and at least 3 s in the recording FILE; its duration is
# in $dur. Calls the test's fail otherwise.
srt_recording_ok() {
	local probe
	probe=$(ffprobe -v error -show_entries stream=codec_name:format=duration -of default=nw=1 "$1" 2>&1) ||
		fail "ffprobe: $probe"
	[[ $probe == *codec_name=h264* ]] || fail "no H.264 in $probe"
	[[ $probe == *codec_name=aac* ]] || fail "no AAC in $probe"
	dur=$(sed -n 's/^duration=//p' <<<"$probe")
	python3 -c "import sys; sys.exit(0 if float('$dur') >= 3.0 else 1)" || fail "duration $dur"
}
