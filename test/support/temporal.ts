/** What every test file needs to reach the run's shared Temporal dev server. */
export function testTemporal(): { address: string; namespace: string; cliPath: string; workflowBundlePath: string } {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const namespace = process.env.TEST_TEMPORAL_NAMESPACE;
  const cliPath = process.env.TEST_TEMPORAL_CLI_PATH;
  const workflowBundlePath = process.env.TEST_WORKFLOW_BUNDLE_PATH;
  if (!address || !namespace || !cliPath || !workflowBundlePath) {
    throw new Error(
      'The shared Temporal server is missing: run the tests with `npm test` (jest globalSetup starts it).',
    );
  }
  return { address, namespace, cliPath, workflowBundlePath };
}
