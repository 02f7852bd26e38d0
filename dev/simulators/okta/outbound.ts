/**
 * The sign-in check's HTTP client. It talks only to loopback (127.0.0.0/8, ::1, localhost, also
 * after DNS resolution), never follows redirects, bounds time and response size, and is closed
 * with the simulator.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';

const MAX_BODY_BYTES = 256 * 1024;

function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  const lower = address.toLowerCase();
  return lower === '::1' || lower.startsWith('::ffff:127.');
}

/** Why `url` may not be called, or undefined when it may. */
function loopbackProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a valid URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `${url} uses ${parsed.protocol}, not http or https`;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host.toLowerCase() === 'localhost' || isLoopbackAddress(host)) return undefined;
  return `${url} is not on a loopback host (127.0.0.0/8, ::1 or localhost): the simulator only talks to this machine`;
}

/** DNS lookup that refuses to connect anywhere but loopback. */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const allowed = addresses.filter((entry) => isLoopbackAddress(entry.address));
    if (allowed.length === 0)
      return callback(
        Object.assign(new Error(`${hostname} does not resolve to a loopback address`), { code: 'ENOTLOOPBACK' }),
        '',
        0,
      );
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
    return callback(null, allowed[0]!.address, allowed[0]!.family);
  });
};

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export class LoopbackHttp {
  private readonly agent = new Agent({
    connect: { timeout: 5_000, lookup: loopbackLookup },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });

  /** Throws with a plain-words message when the call cannot be made or fails in transport. */
  async call(
    url: string,
    init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  ): Promise<OutboundResponse> {
    const problem = loopbackProblem(url);
    if (problem) throw new Error(problem);
    let response;
    try {
      response = await request(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        dispatcher: this.agent,
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new Error(`${init.method} ${url} failed: ${code ?? (error as Error).message}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        response.body.destroy();
        throw new Error(`${init.method} ${url} answered more than ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return { status: response.statusCode, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
