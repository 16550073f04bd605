# many_origin.py: a test origin for load tests: answers every GET with an endless body (no length, close
# at the end), CHUNK bytes every PERIOD seconds, and counts the requests it served.
import asyncio, sys

HOST, PORT, CHUNK, PERIOD = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
served = 0

async def serve(reader, writer):
    global served
    try:
        await reader.readuntil(b"\r\n\r\n")
        served += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nConnection: close\r\n\r\n")
        data = b"F" * CHUNK
        while True:
            writer.write(data)
            await writer.drain()
            await asyncio.sleep(PERIOD)
    except Exception:
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(serve, HOST, PORT, backlog=4096)
    async with server:
        await server.serve_forever()

asyncio.run(main())
