import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export { PortTakenError, startOnFreePort } from '../../scripts/support/free-port';

/** Linux's range for port 0 binds (and outgoing connections): /proc/sys/net/ipv4/ip_local_port_range. */
function ephemeralRange(): [number, number] {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return [low!, high!];
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port nothing listens on, for a test that needs connections to it refused (and may listen on
 * it itself later): free now, and below the kernel's range for port 0 binds, which every server
 * the tests start draws from (directly, or through startOnFreePort), so no parallel test takes it
 * meanwhile.
 */
export async function closedPort(): Promise<number> {
  const [lowestEphemeral] = ephemeralRange();
  const lowest = 20_000;
  if (lowestEphemeral <= lowest) throw new Error(`ip_local_port_range starts at ${lowestEphemeral}: no room below it`);
  for (;;) {
    const port = lowest + Math.floor(Math.random() * (lowestEphemeral - lowest));
    if (await bindable(port)) return port;
  }
}
