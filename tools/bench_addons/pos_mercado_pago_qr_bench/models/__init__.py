from . import bench_ping
