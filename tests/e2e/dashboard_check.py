#!/usr/bin/env python3
"""dashboard_check.py: drives headless Chromium through chromedriver (W3C WebDriver over HTTP, no
selenium) to the appliance's /dashboard and waits until the page shows what it must.

usage: dashboard_check.py URL --expect-login | URL --origin KEY --srt-rate [--screenshot PNG]
Exit 0 when the page showed it within the deadline; 1 with what the page showed otherwise."""
import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b'null')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('url')
    ap.add_argument('--expect-login', action='store_true')
    ap.add_argument('--origin')
    ap.add_argument('--srt-rate', action='store_true')
    ap.add_argument('--screenshot')
    ap.add_argument('--deadline', type=float, default=60)
    a = ap.parse_args()

    port = free_port()
    profile = tempfile.mkdtemp(prefix='mp-dash-chrome-')
    drv = subprocess.Popen(['chromedriver', '--port=%d' % port], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    base = 'http://127.0.0.1:%d' % port
    sid = None
    try:
        end = time.time() + 30
        while True:
            try:
                call(base, 'GET', '/status')
                break
            except OSError:
                if time.time() > end:
                    raise
                time.sleep(0.2)
        caps = {'capabilities': {'alwaysMatch': {'browserName': 'chrome', 'goog:chromeOptions': {
            'binary': '/usr/bin/chromium',
            'args': ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                     '--window-size=1400,1000', '--user-data-dir=' + profile]}}}}
        sid = call(base, 'POST', '/session', caps)['value']['sessionId']
        s = '/session/' + sid
        call(base, 'POST', s + '/url', {'url': a.url})

        def js(code):
            return call(base, 'POST', s + '/execute/sync', {'script': code, 'args': []})['value']

        def seen():
            if a.expect_login:
                return js("return !document.getElementById('login').hidden && "
                          "document.querySelector('#origins tbody').rows.length === 0")
            origins = js("return [...document.querySelectorAll('#origins tbody tr')].map(r => r.cells[0].textContent)")
            if a.origin and a.origin not in origins:
                return False
            if a.srt_rate:
                # a session row of kind srt whose packets/s is above zero
                rows = js("return [...document.querySelectorAll('#sessions tbody tr')]"
                          ".map(r => [r.cells[0].textContent, r.cells[3].textContent])")
                ok = [r for r in rows if r[0] == 'srt' and r[1] not in ('0', '–', '') and
                      float(r[1].rstrip('kMG')) > 0]
                if not ok:
                    return False
            return True

        end = time.time() + a.deadline
        while not seen():
            if time.time() > end:
                print('dashboard did not show it; page text:\n' + js('return document.body.innerText'))
                return 1
            time.sleep(0.5)
        time.sleep(2.5)  # a few more ticks: graphs with some history for the screenshot
        text = js('return document.body.innerText')
        if a.screenshot:
            png = call(base, 'GET', s + '/screenshot')['value']
            with open(a.screenshot, 'wb') as f:
                f.write(base64.b64decode(png))
        print(text)
        return 0
    finally:
        if sid:
            try:
                call(base, 'DELETE', '/session/' + sid)
            except OSError:
                pass
        drv.terminate()
        drv.wait()
        subprocess.run(['rm', '-rf', profile])


if __name__ == '__main__':
    sys.exit(main())
