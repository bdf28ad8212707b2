// A DynamoDB client whose answers a test scripts per command: for the paths moto cannot provoke on
// demand (a request item changing between a commit's read and its transaction, conflicts).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

export type Respond = (name: string, input: Record<string, unknown>, sent: SentCommand[]) => unknown;

export function scriptedDynamoDb(respond: Respond): { client: DynamoDBClient; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const call = { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
      sent.push(call);
      return respond(call.name, call.input, sent);
    },
  };
  return { client: client as unknown as DynamoDBClient, sent };
}

/** The TransactItems of every TransactWriteItems call, in order. */
export function transactions(sent: SentCommand[]): Record<string, unknown>[][] {
  return sent
    .filter((c) => c.name === 'TransactWriteItems')
    .map((c) => c.input.TransactItems as Record<string, unknown>[]);
}
