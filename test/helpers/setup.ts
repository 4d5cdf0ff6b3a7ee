// Every test file: a berth started without its own control socket (spawned by hand, not
// through startBerth) gets none, so parallel tests never share /run/berth/control.sock.
process.env.BERTH_CONTROL ??= 'false';
