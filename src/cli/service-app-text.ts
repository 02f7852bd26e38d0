/**
 * `okta-service-app` for people: a line per step as it happens, and at the end the worker's
 * settings, ready to paste into its environment. Holds only public values: the private key is
 * named by its file, never shown.
 */
import type { ServiceAppProgress, ServiceAppResult } from './service-app-setup';

export function progressLine(event: ServiceAppProgress): string {
  switch (event.step) {
    case 'app':
      return event.outcome === 'created'
        ? `Created the service app "${event.label}" (client id ${event.clientId}).`
        : `Found the service app "${event.label}" (client id ${event.clientId}).`;
    case 'key':
      if (event.outcome === 'written')
        return `Made a key pair: key id ${event.kid}, private key written to ${event.file} (mode 0600).`;
      if (event.outcome === 'reused') return `Key ${event.kid} in ${event.file} is the app's: reused.`;
      return `Added key ${event.kid} (from ${event.file}) to the app's public keys.`;
    case 'scope':
      return event.outcome === 'granted' ? `Granted ${event.scope}.` : `${event.scope}: already granted.`;
    case 'role':
      return event.outcome === 'assigned'
        ? `Assigned the ${event.role} admin role.`
        : `${event.role} admin role: already assigned.`;
    case 'warning':
      return `Warning: ${event.message}`;
  }
}

/** `NAME=value` lines a shell or an env file reads as they are. */
function settingsLines(settings: ServiceAppResult['settings']): string[] {
  return Object.entries(settings).map(
    ([name, value]) => `${name}=${/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`}`,
  );
}

export function resultText(result: ServiceAppResult): string {
  const nothingNew =
    !result.app.created &&
    !result.key.written &&
    !result.key.addedToApp &&
    result.scopes.granted.length === 0 &&
    !result.role.assigned;
  return [
    '',
    `The worker's Okta service app "${result.app.label}" is ready${nothingNew ? ' (nothing had to change)' : ''}:`,
    `  org           ${result.orgUrl}`,
    `  client id     ${result.app.clientId}`,
    `  key           ${result.key.kid} (${result.key.alg}); private key in ${result.key.file}: keep it secret, never commit it`,
    `  DPoP          ${result.app.dpop ? 'required' : 'not required'}`,
    `  scopes        ${result.settings.OKTA_SCOPES}`,
    `  admin role    ${result.role.type}`,
    '',
    "The worker's settings:",
    ...settingsLines(result.settings),
    '',
    `Remove ${result.removeFromWorker.join(', ')} from the worker's environment: it uses the service app instead.`,
    ...(result.warnings.length > 0
      ? ['', `${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'} above.`]
      : []),
  ].join('\n');
}
