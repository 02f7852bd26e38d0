/**
 * The SDK binds the metrics address inside its native runtime, where a port in use is not reported
 * clearly; checking first gives the operator a message that names the variable.
 */
import { createServer } from 'node:net';
import { ConfigError } from '../config';

class MetricsPortInUseError extends ConfigError {
  override name = 'MetricsPortInUseError';
}

export async function assertPortFree(address: string): Promise<void> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new MetricsPortInUseError(
          `Invalid configuration:\n  METRICS_ADDRESS: cannot serve metrics on ${address} (${error.code ?? error.message}); ` +
            'choose a free host:port, or off',
        ),
      ),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
