/**
 * Plays the person on the other end of a binding email, with plain HTTP as a browser without
 * JavaScript would: read the newest message for an address from the simulator's outbox, open its
 * link, submit the "Bind passkey" form. Used by the demo, the benchmark and the tests.
 */
import { request } from 'undici';

export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  link: string;
  job_id: string;
  identity_id: string;
  sent_time: string;
}

export async function outboxFor(managementUrl: string, email: string): Promise<OutboxEntry[]> {
  const response = await request(`${managementUrl}/_sim/outbox?email=${encodeURIComponent(email)}`, {
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  if (response.statusCode !== 200) throw new Error(`the simulator's outbox answered HTTP ${response.statusCode}`);
  const { messages } = (await response.body.json()) as { messages: OutboxEntry[] };
  return messages;
}

class NoBindingEmailError extends Error {
  override name = 'NoBindingEmailError';
}

/** Opens the newest binding link sent to `email` and submits its form; resolves with what was bound. */
export async function bindPasskeyFromOutbox(
  managementUrl: string,
  email: string,
): Promise<{ messageId: string; jobId: string }> {
  const messages = await outboxFor(managementUrl, email);
  const newest = messages.sort((a, b) => a.sent_time.localeCompare(b.sent_time)).at(-1);
  if (!newest) throw new NoBindingEmailError(`no binding email for ${email} in the outbox yet`);
  const page = await request(newest.link, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  const html = await page.body.text();
  if (page.statusCode !== 200)
    throw new Error(`the binding link for ${email} answered HTTP ${page.statusCode}: ${textOf(html)}`);
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html);
  const token = /<input[^>]*name="token"[^>]*value="([^"]*)"/i.exec(html);
  if (!form?.[1] || !token)
    throw new Error(`the binding page for ${email} has no "Bind passkey" form: ${textOf(html)}`);
  const action = new URL(unescapeHtml(form[1]), newest.link).toString();
  const submitted = await request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: unescapeHtml(token[1] ?? '') }).toString(),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const result = await submitted.body.text();
  if (submitted.statusCode !== 200 && submitted.statusCode !== 303) {
    throw new Error(`binding the passkey for ${email} failed with HTTP ${submitted.statusCode}: ${textOf(result)}`);
  }
  return { messageId: newest.id, jobId: newest.job_id };
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}
