// What it takes to deploy the synthesized stack into moto's CloudFormation (moto 5.2.5), and the
// raw calls that read back what it created. Used by test/infra/cdk-deploy-into-moto.test.ts and
// described in docs/aws-deploy.md ("Trying the stack without an AWS account").

/**
 * Resource types of the Gitferry template that moto's CloudFormation does not model. moto skips
 * such a resource with a warning, then fails the whole stack on any `Fn::GetAtt` of it
 * ("instance of Fn::GetAtt references undefined resource …": the dashboard's alarm widgets, the
 * Function URL outputs) and turns a `Ref` of it into null (an IAM statement without resources:
 * "MalformedPolicyDocument"). They are left out of the template deployed into moto.
 */
export const typesMotoDoesNotModel = [
  'AWS::CloudWatch::Alarm',
  'AWS::Lambda::Url',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::EKS::AccessEntry',
] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Template {
  Resources: Record<string, { Type: string; DependsOn?: string | string[]; [k: string]: Json | undefined }>;
  Outputs?: Record<string, Json>;
  [k: string]: unknown;
}

/**
 * The template without the resources of the given types. A reference to a removed resource
 * becomes the string `removed:<LogicalId>[.<Attribute>]` (it shows in the dashboard body as
 * text), dependencies on it are dropped, and outputs that name one are left out.
 */
export function withoutResourceTypes(
  template: Template,
  types: readonly string[],
): { template: Template; removed: Record<string, string> } {
  const removed: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources)) if (types.includes(r.Type)) removed[id] = r.Type;
  const names = (v: Json): boolean =>
    Array.isArray(v)
      ? v.some(names)
      : v !== null && typeof v === 'object'
        ? (typeof v.Ref === 'string' && v.Ref in removed) ||
          (Array.isArray(v['Fn::GetAtt']) && String(v['Fn::GetAtt'][0]) in removed) ||
          Object.values(v).some(names)
        : false;
  const replace = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(replace);
    if (v === null || typeof v !== 'object') return v;
    if (typeof v.Ref === 'string' && v.Ref in removed) return `removed:${v.Ref}`;
    const att = v['Fn::GetAtt'];
    if (Array.isArray(att) && String(att[0]) in removed) return `removed:${String(att[0])}.${String(att[1])}`;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
  };
  const resources: Template['Resources'] = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (id in removed) continue;
    const { DependsOn, ...rest } = r;
    const kept = ([] as string[]).concat(DependsOn ?? []).filter((d) => !(d in removed));
    resources[id] = {
      ...(replace(rest as Json) as Template['Resources'][string]),
      ...(kept.length ? { DependsOn: kept } : {}),
    };
  }
  const outputs = Object.fromEntries(Object.entries(template.Outputs ?? {}).filter(([, o]) => !names(o)));
  return { template: { ...template, Resources: resources, Outputs: outputs }, removed };
}

/**
 * One unsigned call to moto (it checks no signatures). JSON protocols take `target`
 * (X-Amz-Target); REST ones a path; the query protocol (CloudFormation) a form body.
 */
export async function motoCall(
  endpoint: string,
  service: string,
  req: { method?: string; path?: string; target?: string; json?: unknown; form?: Record<string, string> },
): Promise<string> {
  const headers: Record<string, string> = {
    // moto picks the service and region from the credential scope.
    authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  };
  let body: string | undefined;
  if (req.target) {
    headers['x-amz-target'] = req.target;
    headers['content-type'] = 'application/x-amz-json-1.1';
    body = JSON.stringify(req.json ?? {});
  } else if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  }
  const res = await fetch(`${endpoint}${req.path ?? '/'}`, {
    method: req.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto ${req.target ?? req.form?.Action ?? req.path}: ${res.status} ${text}`);
  return text;
}

/** The stack's resources as CloudFormation lists them: logical id → type, physical id, status. */
export async function stackResources(
  endpoint: string,
  stackName: string,
): Promise<Map<string, { type: string; physicalId: string; status: string }>> {
  const xml = await motoCall(endpoint, 'cloudformation', {
    form: { Action: 'ListStackResources', StackName: stackName },
  });
  const out = new Map<string, { type: string; physicalId: string; status: string }>();
  for (const m of xml.matchAll(/<member>([\s\S]*?)<\/member>/g)) {
    const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(m[1]!)?.[1] ?? '';
    out.set(field('LogicalResourceId'), {
      type: field('ResourceType'),
      physicalId: field('PhysicalResourceId'),
      status: field('ResourceStatus'),
    });
  }
  return out;
}
