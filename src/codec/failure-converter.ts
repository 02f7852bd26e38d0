/**
 * The failure converter of every worker, client and workflow bundle of this service, loaded by path
 * (`failureConverterPath`, as the SDK loads it in the workflow sandbox too): a failure's message
 * and stack trace go into an encoded payload, so the payload codec encrypts them in history (a
 * message can name a person by email). Temporal UI and the CLI show them decoded.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
