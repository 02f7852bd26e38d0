/**
 * The HTTP machinery both simulators share: a fastify app on loopback with body limits, JSON and
 * form parsing that never crash on bad input, error bodies in the simulated API's own shape,
 * fault injection on every API path, and `/_sim/faults` to change faults at run time.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FaultInjector, type FaultAction } from './faults';

/** Failures the framework itself produces, before or around a route's handler. */
export type FrameworkFailure =
  'malformed-body' | 'body-too-large' | 'unsupported-media-type' | 'not-found' | 'internal' | 'injected-error';

export interface RenderedError {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** How one simulated API words its errors. */
export interface ApiFlavour {
  error(kind: FrameworkFailure, status: number, request: FastifyRequest): RenderedError;
  tooManyRequests(retryAfterSeconds: number, request: FastifyRequest): RenderedError;
}

export interface SimulatorAppOptions {
  flavour: ApiFlavour;
  faults: FaultInjector;
  /** Requests larger than this are refused with 413 in the API's error shape. */
  bodyLimitBytes?: number;
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by fault injection: handle the request, then lose the response. */
    simLoseResponse?: boolean;
    /** Set by fault injection: latency applied once the body is in, before the handler runs. */
    simDelayMs?: number;
  }
}

const SIM_PREFIX = '/_sim/';

export function pathOf(request: FastifyRequest): string {
  const raw = request.raw.url ?? request.url;
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

export function sendRendered(reply: FastifyReply, rendered: RenderedError): FastifyReply {
  reply.code(rendered.status);
  if (rendered.headers) reply.headers(rendered.headers);
  return reply.send(rendered.body);
}

export function createSimulatorApp(options: SimulatorAppOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // Hanging requests must not keep close() waiting.
    forceCloseConnections: true,
    // Emails and ids appear in paths; keep them whole.
    routerOptions: { maxParamLength: 1024 },
    return503OnClosing: false,
    // A path that does not percent-decode names nothing: answer 404 in the API's shape, not fastify's.
    frameworkErrors: (_error, request, reply) => {
      sendRendered(reply, options.flavour.error('not-found', 404, request));
    },
  });
  const { flavour, faults } = options;
  const hangTimers = new Set<NodeJS.Timeout>();

  // JSON that tolerates an empty body (lifecycle POSTs send none) and reports bad JSON in the API's shape.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('malformed JSON'), { statusCode: 400, simFailure: 'malformed-body' }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    done(null, Object.fromEntries(new URLSearchParams(text)));
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; simFailure?: FrameworkFailure }, request, reply) => {
      let kind: FrameworkFailure = 'internal';
      let status = 500;
      if (error.simFailure) {
        kind = error.simFailure;
        status = error.statusCode ?? 400;
      } else if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        kind = 'body-too-large';
        status = 413;
      } else if (error.statusCode === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        kind = 'unsupported-media-type';
        status = 415;
      } else if (error.statusCode === 400 && error.code?.startsWith('FST_ERR_CTP')) {
        kind = 'malformed-body';
        status = 400;
      } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        kind = 'malformed-body';
        status = error.statusCode;
      } else {
        request.log.error(error);
      }
      return sendRendered(reply, flavour.error(kind, status, request));
    },
  );
  app.setNotFoundHandler((request, reply) => sendRendered(reply, flavour.error('not-found', 404, request)));

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request);
    if (path.startsWith(SIM_PREFIX)) return;
    const decision = faults.decide(request.method, path);
    if (decision.action.kind === 'none' || decision.action.kind === 'lose-response') {
      // A slow server is slow at work: the delay comes after the request has been received, so a
      // client that gives up (or dies) meanwhile does not stop the request from taking effect.
      request.simDelayMs = decision.delayMs;
      return applyFault(decision.action, request, reply);
    }
    if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    return applyFault(decision.action, request, reply);
  });
  app.addHook('preHandler', async (request) => {
    if (request.simDelayMs) await new Promise((resolve) => setTimeout(resolve, request.simDelayMs));
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.simLoseResponse) {
      // The handler has run and its effect is kept; the client never hears about it.
      request.raw.socket?.destroy();
    }
    return payload;
  });
  app.addHook('onClose', async () => {
    for (const timer of hangTimers) clearTimeout(timer);
    hangTimers.clear();
  });

  function applyFault(action: FaultAction, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    switch (action.kind) {
      case 'none':
        return undefined;
      case 'drop':
        reply.hijack();
        request.raw.socket?.destroy();
        return reply;
      case 'hang': {
        reply.hijack();
        const timer = setTimeout(() => {
          hangTimers.delete(timer);
          request.raw.socket?.destroy();
        }, action.ms);
        timer.unref();
        hangTimers.add(timer);
        return reply;
      }
      case 'error':
        return sendRendered(reply, flavour.error('injected-error', action.status, request));
      case 'too-many-requests':
        return sendRendered(reply, flavour.tooManyRequests(action.retryAfterSeconds, request));
      case 'lose-response':
        request.simLoseResponse = true;
        return undefined;
    }
  }

  app.get('/_sim/faults', async () => faults.describe());
  app.post('/_sim/faults', async (request, reply) => {
    try {
      return { config: faults.configure((request.body ?? {}) as never) };
    } catch (error) {
      return reply.code(400).send({
        error: 'invalid fault configuration',
        issues: (error as { issues?: unknown }).issues ?? String(error),
      });
    }
  });
  app.delete('/_sim/faults', async () => ({ config: faults.configure({}) }));

  return app;
}

/** Listens on host:port (0 = any free port) and returns the base URL, e.g. http://127.0.0.1:8023. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the simulator has no TCP address');
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}
