#!/usr/bin/python3
"""A real RTSP server for camera tests and demos (GStreamer's gst-rtsp-server).

Each mount re-serves an H.264 stream that the camera simulator pushes to a local UDP port as MPEG-TS:
   rtsp-server.py --port 8554 --mount /farm/main=5600 --mount /farm/sub=5601 [--user u --password p]
Clients PLAY rtsp://127.0.0.1:8554/farm/main over TCP (interleaved) or UDP, as from an IP camera or NVR.
Prints "ready <port>" once listening (port 0: one the system picks).
"""
import argparse
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ROLE = 'camera-viewer'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=8554)
    parser.add_argument('--mount', action='append', default=[], help='/path=udpPort')
    parser.add_argument('--user')
    parser.add_argument('--password')
    args = parser.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service(str(args.port))
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string('media.factory.role', ROLE)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ''), token)
        server.set_auth(auth)
    mounts = server.get_mount_points()
    for mount in args.mount:
        path, udp_port = mount.rsplit('=', 1)
        factory = GstRtspServer.RTSPMediaFactory()
        # Queues between the elements: without them the demuxer's output stalls and frames are dropped. No
        # config-interval: inserting SPS/PPS before every IDR slice splits a keyframe of several slices in two
        # for the receiver (its top half lost); the camera's stream carries them with each keyframe already.
        factory.set_launch(f'( udpsrc port={int(udp_port)} buffer-size=4194304 ! queue ! tsdemux ! queue ! h264parse ! rtph264pay name=pay0 pt=96 )')
        # One pipeline however many clients watch, as a camera serves its viewers.
        factory.set_shared(True)
        if args.user:
            permissions = GstRtspServer.RTSPPermissions()
            permissions.add_permission_for_role(ROLE, 'media.factory.access', True)
            permissions.add_permission_for_role(ROLE, 'media.factory.construct', True)
            factory.set_permissions(permissions)
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        sys.exit(f'cannot listen on port {args.port}')
    print(f'ready {server.get_bound_port()}', flush=True)
    GLib.MainLoop().run()


if __name__ == '__main__':
    main()
