/**
 * RFC 8288 `Link` headers as Okta sends them: separate header lines, which undici hands over
 * either as an array or joined into one value with ", " (docs/contracts/okta.md §0.5). Both forms parse.
 */
import type { ResponseHeaders } from '../http/headers';

export function linkRelations(headers: ResponseHeaders): Map<string, string> {
  const raw = headers.link;
  const values = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const relations = new Map<string, string>();
  const pattern = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
  for (const value of values) {
    for (const match of value.matchAll(pattern)) {
      const url = match[1] ?? '';
      const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(match[2] ?? '')?.[1];
      if (rel) for (const name of rel.trim().split(/\s+/)) relations.set(name.toLowerCase(), url);
    }
  }
  return relations;
}

export function nextLink(headers: ResponseHeaders): string | undefined {
  return linkRelations(headers).get('next');
}
