/**
 * Every management response the simulator gives, checked against the published OpenAPI document
 * (../shared/specs/beyond-identity-v1.openapi.yaml). One scenario touches every implemented
 * operation and every error kind; each recorded exchange is then validated. Skipped, saying so,
 * when the specs folder is absent.
 */
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import { describeWithSpec, OpenApiValidator } from '../../support/openapi';
import { bindThroughEmail, fetchRaw, ManagementClient, startSimulator, type Exchange } from './support';

/**
 * Responses the spec does not declare for that operation, each checked against the spec's Error
 * schema instead (through an operation that declares it). Why each is there:
 */
const UNDECLARED: Record<string, string> = {
  // §5 checklist: an unknown parent id answers 404; the spec's list operations omit 404.
  'GET /v1/tenants/{tenant_id}/realms/{realm_id}/identities/{identity_id}/credentials 404': 'unknown identity',
  'GET /v1/tenants/{tenant_id}/realms/{realm_id}/identities/{identity_id}/credential-binding-jobs 404':
    'unknown identity',
  // The spec declares this 404 body as a bare ResourceInfo, contradicting its own example (an Error).
  'POST /v1/tenants/{tenant_id}/realms/{realm_id}/identities/{identity_id}/credential-binding-jobs 404':
    'spec schema bug',
};
/** Failures any path can produce (framework and injected), declared almost nowhere. */
const GENERIC_STATUSES = new Set([404, 413, 415, 429, 500, 503]);

describeWithSpec(
  'beyond-identity-v1',
  'Beyond Identity simulator: responses validate against the published spec',
  () => {
    let sim: RunningBeyondIdentitySimulator;
    let client: ManagementClient;
    let validator: OpenApiValidator;

    beforeAll(async () => {
      validator = new OpenApiValidator('beyond-identity-v1');
      sim = await startSimulator({ bindingLinkTtlSeconds: 60 });
      client = new ManagementClient(sim);
    });
    afterAll(async () => {
      await sim.stop();
    });

    /** Checks one exchange; undeclared error statuses are checked against the Error schema. */
    function problems(exchange: Exchange): string[] {
      const checked = validator.check(exchange.method, exchange.path, exchange.status, exchange.body);
      const key = `${exchange.method} ${checked.template} ${exchange.status}`;
      const undeclared =
        checked.errors.some((error) => error.includes('lists no') || error.includes('no path in the spec')) ||
        key in UNDECLARED;
      if (undeclared && (key in UNDECLARED || GENERIC_STATUSES.has(exchange.status))) {
        const asError = validator.check('GET', `/v1/tenants/${sim.tenantId}/realms/x`, 404, exchange.body);
        return asError.errors.map((error) => `${key} (as Error): ${error}`);
      }
      return checked.errors.map((error) => `${key}: ${error}`);
    }

    it('validates every response of a scenario that touches every operation and error kind', async () => {
      const c = client;
      // Tenant and realms.
      await c.call('GET', '');
      await c.call('GET', '', { token: null });
      await c.call('GET', '/v1/tenants/0001ffffffffffff');
      const realm = await c.createRealm('Spec');
      await c.call('POST', '/realms', { raw: '{' });
      await c.call('POST', '/realms', { body: { realm: { display_name: '' } } });
      await c.call('GET', '/realms?page_size=1');
      await c.call('GET', '/realms?page_token=bad');
      await c.call('GET', `/realms/${realm.id}`);
      await c.call('GET', '/realms/0000000000000000');
      await c.call('PATCH', `/realms/${realm.id}`, { body: { realm: { display_name: 'Spec realm' } } });
      await c.call('PATCH', `/realms/${realm.id}`, { body: { realm: { display_name: '' } } });
      await c.call('PATCH', '/realms/0000000000000000', { body: { realm: { display_name: 'x' } } });
      const doomed = await c.createRealm('Doomed');
      await c.call('DELETE', `/realms/${doomed.id}`);
      await c.call('DELETE', `/realms/${doomed.id}`);

      // Identities.
      const person = await c.createIdentity(realm.id, 'spec.person@example.com');
      const noEmail = await c.createIdentity(realm.id, undefined, 'spec-no-email');
      await c.call('POST', `/realms/${realm.id}/identities`, {
        body: { identity: { display_name: 'x', traits: { type: 'traits_v0', username: '' } } },
      });
      await c.call('POST', '/realms/0000000000000000/identities', {
        body: { identity: { display_name: 'x', traits: { type: 'traits_v0', username: 'x' } } },
      });
      await c.call('POST', `/realms/${realm.id}/identities`, {
        body: { identity: { display_name: 'x', traits: { type: 'traits_v0', username: 'SPEC.person@example.com' } } },
      });
      await c.call(
        'GET',
        `/realms/${realm.id}/identities?filter=${encodeURIComponent('traits.username eq "spec.person@example.com"')}`,
      );
      await c.call('GET', `/realms/${realm.id}/identities?page_size=1`);
      await c.call('GET', `/realms/${realm.id}/identities?filter=bad`);
      await c.call('GET', '/realms/0000000000000000/identities');
      await c.call('DELETE', `/realms/${realm.id}`); // 409: has identities
      await c.call('GET', `/realms/${realm.id}/identities/${person.id}`);
      await c.call('GET', `/realms/${realm.id}/identities/0000000000000000`);
      await c.call('PATCH', `/realms/${realm.id}/identities/${noEmail.id}`, {
        body: { identity: { display_name: 'No email' } },
      });
      await c.call('PATCH', `/realms/${realm.id}/identities/${noEmail.id}`, {
        body: { identity: { traits: { type: 'bad' } } },
      });
      await c.call('PATCH', `/realms/${realm.id}/identities/${noEmail.id}`, {
        body: { identity: { traits: { type: 'traits_v0', username: 'spec.person@example.com' } } },
      });
      await c.call('PATCH', `/realms/${realm.id}/identities/0000000000000000`, { body: { identity: {} } });
      const leaving = await c.createIdentity(realm.id, 'leaving@example.com');
      await c.call('DELETE', `/realms/${realm.id}/identities/${leaving.id}`);
      await c.call('DELETE', `/realms/${realm.id}/identities/${leaving.id}`);

      // Authenticator configs.
      const config = await c.createHostedWebConfig(realm.id);
      await c.call('POST', `/realms/${realm.id}/authenticator-configs`, {
        body: { authenticator_config: { config: { type: 'embedded', invoke_url: 'http://localhost:8092' } } },
      });
      await c.call('POST', `/realms/${realm.id}/authenticator-configs`, {
        body: { authenticator_config: { config: { type: 'platform' } } },
      });
      await c.call('POST', `/realms/${realm.id}/authenticator-configs`, {
        body: { authenticator_config: { config: { type: 'nope' } } },
      });
      await c.call('POST', '/realms/0000000000000000/authenticator-configs', {
        body: { authenticator_config: { config: { type: 'hosted_web' } } },
      });
      await c.call('GET', `/realms/${realm.id}/authenticator-configs`);
      await c.call('GET', `/realms/${realm.id}/authenticator-configs?filter=x`);
      await c.call('GET', '/realms/0000000000000000/authenticator-configs');
      await c.call('GET', `/realms/${realm.id}/authenticator-configs/${config.id}`);
      await c.call('GET', `/realms/${realm.id}/authenticator-configs/nope`);
      const spare = await c.createHostedWebConfig(realm.id);
      await c.call('DELETE', `/realms/${realm.id}/authenticator-configs/${spare.id}`);
      await c.call('DELETE', `/realms/${realm.id}/authenticator-configs/${spare.id}`);

      // Applications.
      const app = await c.createOktaApplication(realm.id, config.id);
      await c.createOktaApplication(realm.id, config.id, { confidentiality: 'public', pkce: 's256' });
      const admin = (await c.call('GET', `/realms/${sim.managementClient.realmId}/applications`)).body as {
        applications: { resource_server_id?: string }[];
      };
      await c.call('POST', `/realms/${realm.id}/applications`, {
        body: {
          application: {
            display_name: 'CC',
            resource_server_id: admin.applications[0]!.resource_server_id,
            protocol_config: {
              type: 'oauth2',
              grant_type: ['client_credentials'],
              allowed_scopes: ['realms:read'],
              token_configuration: { expires_after: 60 },
            },
          },
        },
      });
      await c.call('POST', `/realms/${realm.id}/applications`, { body: { application: { display_name: 'bad' } } });
      await c.call('POST', '/realms/0000000000000000/applications', {
        body: {
          application: {
            display_name: 'x',
            protocol_config: {
              type: 'oidc',
              grant_type: ['client_credentials'],
              token_configuration: { expires_after: 1 },
            },
          },
        },
      });
      await c.call('GET', `/realms/${realm.id}/applications?page_size=2`);
      await c.call('GET', `/realms/${realm.id}/applications?page_token=bad`);
      await c.call('GET', '/realms/0000000000000000/applications');
      await c.call('GET', `/realms/${realm.id}/applications/${app.id}`);
      await c.call('GET', `/realms/${realm.id}/applications/nope`);
      await c.call('PATCH', `/realms/${realm.id}/applications/${app.id}`, {
        body: { application: { display_name: 'Okta 2' } },
      });
      await c.call('PATCH', `/realms/${realm.id}/applications/${app.id}`, {
        body: { application: { protocol_config: { grant_type: [] } } },
      });
      await c.call('PATCH', `/realms/${realm.id}/applications/nope`, { body: { application: {} } });
      const managed = `/realms/${sim.managementClient.realmId}/applications/${sim.managementClient.applicationId}`;
      await c.call('PATCH', managed, { body: { application: { display_name: 'x' } } });
      await c.call('DELETE', managed);
      const temporary = await c.createOktaApplication(realm.id, config.id);
      await c.call('DELETE', `/realms/${realm.id}/applications/${temporary.id}`);
      await c.call('DELETE', `/realms/${realm.id}/applications/${temporary.id}`);

      // Binding jobs in every state, and credentials.
      const jobsPath = `/realms/${realm.id}/identities/${person.id}/credential-binding-jobs`;
      const emailJob = (await c.createEmailJob(realm.id, person.id, config.id)).credential_binding_job;
      await c.call('GET', `${jobsPath}/${emailJob.id}`); // LINK_SENT
      const [message] = await c.outbox('spec.person@example.com');
      await fetchRaw(message!.link);
      await c.call('GET', `${jobsPath}/${emailJob.id}`); // LINK_OPENED
      await bindThroughEmail(c, 'spec.person@example.com');
      await c.call('GET', `${jobsPath}/${emailJob.id}`); // COMPLETE
      const returned = await c.call('POST', jobsPath, {
        body: {
          job: {
            delivery_method: 'RETURN',
            authenticator_config_id: config.id,
            post_binding_redirect_uri: 'http://example.com/callback',
          },
        },
      });
      const returnJob = (returned.body as { credential_binding_job: { id: string } }).credential_binding_job;
      await c.call('POST', `${jobsPath}/${returnJob.id}:revoke`, { body: {} }); // REVOKED
      await c.call('POST', `${jobsPath}/${returnJob.id}:revoke`, { body: {} }); // 409
      await c.call('POST', `${jobsPath}/0000000000000000:revoke`, { body: {} }); // 404
      const toExpire = (await c.createEmailJob(realm.id, person.id, config.id)).credential_binding_job;
      await c.call('POST', `/_sim/binding-jobs/${toExpire.id}/expire`);
      await c.call('GET', `${jobsPath}/${toExpire.id}`); // EXPIRED
      await c.call('POST', jobsPath, { body: { job: { delivery_method: 'EMAIL', authenticator_config_id: '' } } });
      await c.call('POST', `/realms/${realm.id}/identities/0000000000000000/credential-binding-jobs`, {
        body: { job: { delivery_method: 'EMAIL', authenticator_config_id: config.id } },
      });
      await c.call('POST', `/realms/${realm.id}/identities/${noEmail.id}/credential-binding-jobs`, {
        body: { job: { delivery_method: 'EMAIL', authenticator_config_id: config.id } },
      });
      await c.call('GET', jobsPath);
      await c.call('GET', `/realms/${realm.id}/identities/-/credential-binding-jobs?page_size=1`);
      await c.call('GET', `${jobsPath}?page_token=bad`);
      await c.call('GET', `/realms/${realm.id}/identities/0000000000000000/credential-binding-jobs`);
      await c.call('GET', `${jobsPath}/0000000000000000`);
      const credentialsPath = `/realms/${realm.id}/identities/${person.id}/credentials`;
      const credentials = (await c.call('GET', credentialsPath)).body as { credentials: { id: string }[] };
      await c.call('GET', `/realms/${realm.id}/identities/-/credentials`);
      await c.call('GET', `${credentialsPath}?page_token=bad`);
      await c.call('GET', `/realms/${realm.id}/identities/0000000000000000/credentials`);
      await c.call('GET', `${credentialsPath}/${credentials.credentials[0]!.id}`);
      await c.call('GET', `${credentialsPath}/0000000000000000`);
      await c.call('POST', `${credentialsPath}/${credentials.credentials[0]!.id}:revoke`, { body: {} });
      await c.call('POST', `${credentialsPath}/0000000000000000:revoke`, { body: {} });

      // Scopes, framework failures and injected faults.
      const limited = (await fetchRaw(
        `${sim.authUrl}/v1/tenants/${sim.tenantId}/realms/${sim.managementClient.realmId}/applications/${sim.managementClient.applicationId}/token`,
        {
          form: {
            grant_type: 'client_credentials',
            scope: 'realms:read',
            client_id: sim.managementClient.clientId,
            client_secret: sim.managementClient.clientSecret,
          },
        },
      ).then((answer) => answer.json())) as { access_token: string };
      await c.call('POST', '/realms', { token: limited.access_token, body: { realm: { display_name: 'x' } } });
      await c.call('GET', '/v1/unknown');
      await c.call('POST', '/realms', {
        raw: JSON.stringify({ realm: { display_name: 'x'.repeat(2 * 1024 * 1024) } }),
      });
      await c.call('POST', '/realms', { raw: '<realm/>', contentType: 'application/xml' });
      for (const rules of [
        [{ errorRate: 1, errorStatuses: [500] }],
        [{ errorRate: 1, errorStatuses: [503] }],
        [{ burst429: { count: 2 } }],
      ]) {
        sim.faults.configure({ rules });
        await c.call('GET', '/realms');
        await c.call('POST', jobsPath, {
          body: { job: { delivery_method: 'EMAIL', authenticator_config_id: config.id } },
        });
      }
      sim.faults.configure({});

      // /_sim/ is the simulator's own test surface, not the API.
      const allProblems = c.exchanges.filter((exchange) => !exchange.path.startsWith('/_sim/')).flatMap(problems);
      expect(allProblems).toEqual([]);

      // The scenario really covered every operation and error kind it claims to.
      const seen = new Set(
        c.exchanges.map(
          (exchange) =>
            `${exchange.method} ${validator.templateFor(exchange.path) ?? exchange.path} ${exchange.status}`,
        ),
      );
      const t = '/v1/tenants/{tenant_id}';
      const r = `${t}/realms/{realm_id}`;
      const i = `${r}/identities/{identity_id}`;
      const expected = [
        `GET ${t} 200`,
        `GET ${t} 401`,
        `GET ${t} 403`,
        `POST ${t}/realms 200`,
        `POST ${t}/realms 400`,
        `POST ${t}/realms 403`,
        `POST ${t}/realms 413`,
        `POST ${t}/realms 415`,
        `GET ${t}/realms 200`,
        `GET ${t}/realms 400`,
        `GET ${t}/realms 500`,
        `GET ${t}/realms 503`,
        `GET ${t}/realms 429`,
        `GET ${r} 200`,
        `GET ${r} 404`,
        `PATCH ${r} 200`,
        `PATCH ${r} 400`,
        `PATCH ${r} 404`,
        `DELETE ${r} 200`,
        `DELETE ${r} 404`,
        `DELETE ${r} 409`,
        `POST ${r}/identities 200`,
        `POST ${r}/identities 400`,
        `POST ${r}/identities 404`,
        `POST ${r}/identities 409`,
        `GET ${r}/identities 200`,
        `GET ${r}/identities 400`,
        `GET ${r}/identities 404`,
        `GET ${i} 200`,
        `GET ${i} 404`,
        `PATCH ${i} 200`,
        `PATCH ${i} 400`,
        `PATCH ${i} 404`,
        `PATCH ${i} 409`,
        `DELETE ${i} 200`,
        `DELETE ${i} 404`,
        `POST ${r}/authenticator-configs 200`,
        `POST ${r}/authenticator-configs 400`,
        `POST ${r}/authenticator-configs 404`,
        `GET ${r}/authenticator-configs 200`,
        `GET ${r}/authenticator-configs 400`,
        `GET ${r}/authenticator-configs 404`,
        `GET ${r}/authenticator-configs/{authenticator_config_id} 200`,
        `GET ${r}/authenticator-configs/{authenticator_config_id} 404`,
        `DELETE ${r}/authenticator-configs/{authenticator_config_id} 200`,
        `DELETE ${r}/authenticator-configs/{authenticator_config_id} 404`,
        `POST ${r}/applications 200`,
        `POST ${r}/applications 400`,
        `POST ${r}/applications 404`,
        `GET ${r}/applications 200`,
        `GET ${r}/applications 400`,
        `GET ${r}/applications 404`,
        `GET ${r}/applications/{application_id} 200`,
        `GET ${r}/applications/{application_id} 404`,
        `PATCH ${r}/applications/{application_id} 200`,
        `PATCH ${r}/applications/{application_id} 400`,
        `PATCH ${r}/applications/{application_id} 403`,
        `PATCH ${r}/applications/{application_id} 404`,
        `DELETE ${r}/applications/{application_id} 200`,
        `DELETE ${r}/applications/{application_id} 403`,
        `DELETE ${r}/applications/{application_id} 404`,
        `POST ${i}/credential-binding-jobs 200`,
        `POST ${i}/credential-binding-jobs 400`,
        `POST ${i}/credential-binding-jobs 404`,
        `POST ${i}/credential-binding-jobs 422`,
        `POST ${i}/credential-binding-jobs 500`,
        `POST ${i}/credential-binding-jobs 503`,
        `POST ${i}/credential-binding-jobs 429`,
        `GET ${i}/credential-binding-jobs 200`,
        `GET ${i}/credential-binding-jobs 400`,
        `GET ${i}/credential-binding-jobs 404`,
        `GET ${i}/credential-binding-jobs/{credential_binding_job_id} 200`,
        `GET ${i}/credential-binding-jobs/{credential_binding_job_id} 404`,
        `POST ${i}/credential-binding-jobs/{credential_binding_job_id}:revoke 200`,
        `POST ${i}/credential-binding-jobs/{credential_binding_job_id}:revoke 404`,
        `POST ${i}/credential-binding-jobs/{credential_binding_job_id}:revoke 409`,
        `GET ${i}/credentials 200`,
        `GET ${i}/credentials 400`,
        `GET ${i}/credentials 404`,
        `GET ${i}/credentials/{credential_id} 200`,
        `GET ${i}/credentials/{credential_id} 404`,
        `POST ${i}/credentials/{credential_id}:revoke 200`,
        `POST ${i}/credentials/{credential_id}:revoke 404`,
        'GET /v1/unknown 404',
      ];
      expect(expected.filter((entry) => !seen.has(entry))).toEqual([]);
      // Every job state the simulator can reach was validated.
      const states = new Set(
        c.exchanges.map((exchange) => (exchange.body as { state?: string } | undefined)?.state).filter(Boolean),
      );
      expect(states).toEqual(new Set(['LINK_SENT', 'LINK_OPENED', 'COMPLETE', 'REVOKED', 'EXPIRED', 'ACTIVE']));
    });
  },
);
