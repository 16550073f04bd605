#!/usr/bin/python3
# whip_client.py: an aiortc WHIP publisher (or, with --play, WHEP player) for the e2e tests: POSTs its
# offer, takes the answer, sends audio and video (or receives) for a while, then DELETEs its
# resource. Prints a JSON summary; exit 0 when ICE connected and media was sent (received).
# --answer-out FILE: the answer SDP as received, for the test to check (its candidates).
# --until FILE: once connected, go on until FILE exists, writing the RTP counts to --progress meanwhile.
# --seconds 0: until SIGUSR1 or SIGTERM (the fault tests end a live stream when they choose), or until
# ICE fails (consent lost: the origin went away); "ice_final" says which.
# A 307/308 answer to the offer is followed (RFC 9725 section 4.5): the same POST and offer to its
# Location; the resource's Location is then relative to where the answer came from ("answered_by").
import argparse
import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request

import aioice.ice
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack


class FollowRedirect(urllib.request.HTTPRedirectHandler):
    # urllib follows a 307/308 for GET and HEAD only; a WHIP client sends the same POST and offer again
    # (RFC 9725 section 4.5, RFC 9110 section 15.4.8), up to urllib's own limit of redirects.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if code in (307, 308) and req.get_method() not in ("GET", "HEAD"):
            return urllib.request.Request(newurl, data=req.data, method=req.get_method(), headers=dict(req.headers),
                                          origin_req_host=req.origin_req_host, unverifiable=True)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


opener = urllib.request.build_opener(FollowRedirect)


def http(method, url, body=b"", headers=None):
    req = urllib.request.Request(url, data=body if method != "DELETE" else None, method=method, headers=headers or {})
    with opener.open(req, timeout=20) as r:
        return r.status, dict(r.headers), r.read(), r.geturl()


async def counts(pc):
    sent = received = 0
    for s in (await pc.getStats()).values():
        if getattr(s, "type", "") == "outbound-rtp":
            sent += s.packetsSent
        if getattr(s, "type", "") == "inbound-rtp":
            received += s.packetsReceived
    return sent, received


async def progress(pc, path, ice):
    if not path:
        return
    sent, received = await counts(pc)
    with open(path + ".tmp", "w") as f:
        json.dump({"ice": ice, "state": pc.iceConnectionState, "rtp_sent": sent, "rtp_received": received}, f)
    os.replace(path + ".tmp", path)


async def publish(args):
    loop = asyncio.get_running_loop()
    pc = RTCPeerConnection()
    sink = MediaBlackhole()
    if args.play:
        pc.addTransceiver("audio", direction="recvonly")

        @pc.on("track")
        def on_track(track):
            sink.addTrack(track)
    else:
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())
    post = (http, "POST", args.url, pc.localDescription.sdp.encode(), {"Content-Type": "application/sdp"})
    deadline = loop.time() + args.post_retry
    while True:  # with --post-retry: a network error (not an HTTP answer) is tried again until then
        try:
            status, headers, answer, answered_by = await loop.run_in_executor(None, *post)
            break
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as e:
            if loop.time() >= deadline:
                raise
            print("POST: %s; trying again" % e, file=sys.stderr, flush=True)
            await asyncio.sleep(0.5)
    answer = answer.decode()
    if args.answer_out:  # what the appliance answered, for the test to check
        with open(args.answer_out, "w") as f:
            f.write(answer)
    if args.answer_via:  # the client's ICE goes to another appliance than the one that answered
        old, new = args.answer_via.split("=")
        answer = answer.replace(" " + old + " ", " " + new + " ").replace("IN IP4 " + old, "IN IP4 " + new)
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    for _ in range(int(args.connect_timeout * 10)):
        if pc.iceConnectionState in ("completed", "connected", "failed"):
            break
        await asyncio.sleep(0.1)
    ice = pc.iceConnectionState
    if ice in ("completed", "connected"):
        await sink.start()
        stop = asyncio.Event()
        if args.seconds <= 0:
            for sig in (signal.SIGUSR1, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)

            @pc.on("iceconnectionstatechange")
            def on_ice():
                if pc.iceConnectionState in ("failed", "closed"):
                    stop.set()
        print("connected", file=sys.stderr, flush=True)
        if args.until:  # until the test says so (its file exists), reporting as it goes
            while not os.path.exists(args.until):
                await progress(pc, args.progress, ice)
                await asyncio.sleep(0.2)
        elif args.seconds > 0:
            await asyncio.sleep(args.seconds)
        else:
            await stop.wait()
    ice_final = pc.iceConnectionState
    sent, received = await counts(pc)
    loc = urllib.parse.urljoin(answered_by, headers.get("Location", ""))
    try:
        del_status = (await loop.run_in_executor(None, http, "DELETE", loc))[0] if headers.get("Location") else 0
    except urllib.error.HTTPError as e:  # the origin went away: the appliance answers for it
        del_status = e.code
    await pc.close()
    return {"status": status, "ice": ice, "ice_final": ice_final, "rtp_sent": sent, "rtp_received": received, "delete_status": del_status,
            "location": loc, "answered_by": answered_by}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--ip", required=True, help="the only address ICE gathers on")
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--connect-timeout", type=float, default=15)
    p.add_argument("--play", action="store_true", help="WHEP: receive instead of send")
    p.add_argument("--until", help="once connected, go on until this file exists (instead of --seconds)")
    p.add_argument("--answer-via", help="OLD=NEW: send ICE/media to address NEW where the answer says OLD")
    p.add_argument("--answer-out", help="write the answer SDP received here")
    p.add_argument("--post-retry", type=float, default=0,
                   help="seconds during which a POST that meets a network error (no route, refused) is sent again")
    p.add_argument("--progress", help="with --until: write the RTP counts here (JSON) as they grow")
    args = p.parse_args()
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [args.ip]
    r = asyncio.run(publish(args))
    print(json.dumps(r))
    media = r["rtp_received"] if args.play else r["rtp_sent"]
    sys.exit(0 if r["ice"] in ("completed", "connected") and media > 0 else 1)


if __name__ == "__main__":
    main()
