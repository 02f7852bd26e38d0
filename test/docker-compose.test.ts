import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/workflows/definitions';
import { PROJECT_ROOT } from './support/processes';

// CI parses the file with docker-compose; this keeps its server flags in step with the code.
describe('docker-compose.yml', () => {
  it('registers every search attribute the service uses and enables Workflow Updates', async () => {
    const text = await readFile(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
    for (const key of SEARCH_ATTRIBUTE_KEYS) {
      expect(text).toContain(`--search-attribute=${key.name}=Keyword`);
    }
    expect(text).toContain('--dynamic-config-value=frontend.enableUpdateWorkflowExecution=true');
    expect(text).toMatch(/--db-filename=\S+/);
  });
});
