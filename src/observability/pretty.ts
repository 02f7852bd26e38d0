/**
 * LOG_FORMAT=pretty: one JSON log record → the lines a person reads in a terminal, in the SDK's
 * DefaultLogger layout (`<ISO time> [LEVEL] message { fields }`), which bench/workers.ts also reads.
 */
import { inspect } from 'node:util';

const LEVEL_NAMES: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

export function prettyLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const { time, level, msg, ...fields } = record;
  // An error reads as one line, `Name: message` (bench/workers.ts reads it so too).
  const error = fields.error as { name?: unknown; message?: unknown } | undefined;
  if (error && typeof error === 'object' && typeof error.message === 'string')
    fields.error = `${String(error.name ?? 'Error')}: ${error.message}`;
  const when =
    typeof time === 'string' || typeof time === 'number' ? new Date(time).toISOString() : new Date().toISOString();
  const head = `${when} [${LEVEL_NAMES[String(level)] ?? String(level).toUpperCase()}] ${String(msg ?? '')}`;
  return Object.keys(fields).length === 0
    ? `${head}\n`
    : `${head} ${inspect(fields, { depth: 6, breakLength: 120 })}\n`;
}
