// The few fields of Lambda event shapes the handlers read (the full types live in @types/aws-lambda).

/** A Lambda Function URL (or API Gateway HTTP API v2) request. */
export interface HttpRequestEvent {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string; http?: { method?: string; path?: string } };
}

export interface HttpResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export interface SqsEvent {
  Records: {
    messageId: string;
    body: string;
    /** Lets the worker shorten the visibility of a record it gives back unfinished. */
    receiptHandle?: string;
    attributes?: { ApproximateReceiveCount?: string };
  }[];
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface LambdaContext {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export function json(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
