/** The few HTML pages a person sees (binding link, authorize errors): plain, no JavaScript, escaped. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}

/** A whole page; `bodyHtml` must already be escaped. */
export function htmlPage(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2433}button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#4673d3;color:#fff;cursor:pointer}.note{color:#5b6475;font-size:.9rem}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
<p class="note">Beyond Identity simulator: a local stand-in, not the real service.</p>
</body>
</html>
`;
}
