/** Reading response headers: undici hands them over lower-cased, a repeated one as an array. */

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The header's value (the first, when it was repeated). */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The upstream's clock at the time of the response, or ours when it sent no usable Date. */
export function serverNow(headers: ResponseHeaders, nowMs: number): number {
  const date = headerValue(headers, 'date');
  const parsed = date ? Date.parse(date) : Number.NaN;
  return Number.isNaN(parsed) ? nowMs : parsed;
}
