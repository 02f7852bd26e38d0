/** Markdown shared by both workflows' details in Temporal UI. Pure: no workflow API. */
import type { Attention } from './definitions';

export function attentionMarkdown(attention: Attention): string {
  const where = [attention.service, attention.status ? `HTTP ${attention.status}` : undefined, attention.upstreamCode].filter(Boolean).join(' · ');
  return [
    `**Needs attention** at step \`${attention.step}\` since ${attention.since}`,
    '',
    `${attention.type}${where ? ` (${where})` : ''}: ${attention.message}`,
    attention.requestId ? `\nUpstream request id: \`${attention.requestId}\`` : '',
    '',
    'Fix the cause (credentials, input, the object in the admin console), then send `retry` (CLI: `retry`).',
  ].join('\n');
}
