// Node liveness on the test bed rests on Leases that kwok keeps renewed (as kubelets do), not on
// Node status heartbeats racing the node lifecycle controller's grace period: every fake node has a
// Lease in kube-node-lease, it is renewed again and again, and the nodes stay Ready meanwhile.
// GITFERRY_TESTBED_LIVENESS_MINUTES=10 also watches them for that long (a one-off soak, not CI's).
import { kubectl, testbed } from '../../support/testbed.js';
import { nodeLeaseDurationSeconds } from '../../testbed/components/kwok.js';

interface Lease {
  metadata: { name: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}
interface Node {
  metadata: { name: string };
  spec: { taints?: { key: string }[] };
  status: { conditions?: { type: string; status: string }[] };
}

async function leases(): Promise<Map<string, Lease>> {
  const list = JSON.parse(await kubectl(['get', 'lease', '-n', 'kube-node-lease', '-o', 'json'])) as {
    items: Lease[];
  };
  return new Map(list.items.map((l) => [l.metadata.name, l]));
}

/** Nodes of the bed that are not Ready, or carry the taint the lifecycle controller puts on lost nodes. */
async function unwellNodes(): Promise<string[]> {
  const list = JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as { items: Node[] };
  const nodes = testbed().nodes;
  return list.items
    .filter((n) => nodes.includes(n.metadata.name))
    .filter(
      (n) =>
        !n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ||
        (n.spec.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/unreachable')),
    )
    .map(
      (n) => `${n.metadata.name}: ${JSON.stringify(n.status.conditions?.find((c) => c.type === 'Ready'))}`,
    );
}

/**
 * Polls until every node's Lease has been renewed `renewals` times after the first look, checking
 * on every poll that all nodes are Ready; returns each node's renew times seen.
 */
async function watchRenewals(renewals: number, deadlineMs: number): Promise<Map<string, string[]>> {
  const nodes = testbed().nodes;
  const seen = new Map<string, string[]>(nodes.map((n) => [n, []]));
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    expect(await unwellNodes()).toEqual([]);
    const current = await leases();
    for (const node of nodes) {
      const renewTime = current.get(node)?.spec.renewTime;
      const times = seen.get(node)!;
      if (renewTime && times[times.length - 1] !== renewTime) times.push(renewTime);
    }
    if (nodes.every((n) => seen.get(n)!.length > renewals)) return seen;
    if (Date.now() > deadline)
      throw new Error(`node leases were not renewed ${renewals} times: ${JSON.stringify([...seen])}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('fake nodes stay Ready on renewed leases', () => {
  test('every fake node has a Lease held by kwok, renewed again and again, and stays Ready', async () => {
    const nodes = testbed().nodes;
    expect(nodes.length).toBeGreaterThan(0);
    const current = await leases();
    for (const node of nodes) {
      const lease = current.get(node);
      expect(lease?.spec.leaseDurationSeconds).toBe(nodeLeaseDurationSeconds);
      expect(lease?.spec.holderIdentity).toBeTruthy();
    }
    // Two renewals of every lease (each due after a quarter of its duration), however loaded the
    // machine; the deadline only bounds a bed whose leases are not kept at all.
    const seen = await watchRenewals(2, 6 * nodeLeaseDurationSeconds * 1000);
    for (const times of seen.values()) {
      const ms = times.map((t) => Date.parse(t));
      expect(ms).toEqual([...ms].sort((a, b) => a - b));
    }
  }, 300_000);

  const soakMinutes = Number(process.env.GITFERRY_TESTBED_LIVENESS_MINUTES ?? 0);
  (soakMinutes > 0 ? test : test.skip)(
    `the nodes stay Ready for ${soakMinutes || 'N'} minutes (GITFERRY_TESTBED_LIVENESS_MINUTES)`,
    async () => {
      const end = Date.now() + soakMinutes * 60_000;
      const renewTimes = new Map<string, Set<string>>(testbed().nodes.map((n) => [n, new Set()]));
      let polls = 0;
      while (Date.now() < end) {
        expect(await unwellNodes()).toEqual([]);
        const current = await leases();
        for (const [node, times] of renewTimes) times.add(current.get(node)?.spec.renewTime ?? '');
        polls++;
        await new Promise((r) => setTimeout(r, 5000));
      }
      // Renewed throughout: at least once per lease duration on average (kwok renews 4 times as often).
      const fewest = Math.min(...[...renewTimes.values()].map((t) => t.size));
      expect(fewest).toBeGreaterThanOrEqual(Math.floor((soakMinutes * 60) / nodeLeaseDurationSeconds));
      console.log(
        `nodes Ready at all ${polls} polls over ${soakMinutes} min; fewest renewals seen ${fewest}`,
      );
    },
    (soakMinutes + 5) * 60_000,
  );
});
