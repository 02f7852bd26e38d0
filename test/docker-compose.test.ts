import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/workflows/definitions';
import { PROJECT_ROOT } from './support/processes';

// CI parses the file with docker-compose; this keeps its server flags in step with the code.
describe('docker-compose.yml', () => {
  it('registers every search attribute the service uses and enables Workflow Updates', async () => {
    // The Temporal service's own command line, as Compose reads it (a flag in a comment does not count).
    const compose = parse(await readFile(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as { services: { temporal: { command: string[] } } };
    const command = compose.services.temporal.command;
    expect(command.slice(0, 2)).toEqual(['server', 'start-dev']);
    for (const key of SEARCH_ATTRIBUTE_KEYS) {
      expect(command).toContain(`--search-attribute=${key.name}=Keyword`);
    }
    expect(command).toContain('--dynamic-config-value=frontend.enableUpdateWorkflowExecution=true');
    expect(command.filter((arg) => /^--db-filename=\S+$/.test(arg))).toHaveLength(1);
  });
});
