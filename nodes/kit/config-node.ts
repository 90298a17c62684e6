// Config-node lookup with one clear error, and the deploy-time check every node makes.
import type { Node, NodeAPI } from 'node-red';
import { showStatus } from './status';

/**
 * The config node the setting `label` selects, as the interface its node type offers
 * (`member` is one of its members, to tell it from a node of another type). Throws a
 * clear error when none is selected or deployed, or when the config node reports a problem.
 */
export function configNode<T extends object>(RED: NodeAPI, id: string | undefined, label: string, type: string, member: keyof T & string): T {
  const found = id ? (RED.nodes.getNode(id) as unknown as Record<string, unknown> | null) : null;
  if (!found || found[member] === undefined) {
    throw new Error(id ? `setting "${label}": the ${type} node ${id} is not deployed` : `setting "${label}": choose a ${type} node`);
  }
  if (typeof found.problem === 'string' && found.problem) throw new Error(found.problem);
  return found as unknown as T;
}

/**
 * Runs the deploy-time `parse` (settings, config nodes): its result, or the problem
 * logged and shown in red. `ready` is the status text when it worked. `unset` names the
 * problems that only mean "not set up yet" (a node an office does not use): their text
 * shows in yellow, without an error on each deploy.
 */
export function atDeploy<T>(node: Node, parse: () => T, ready: (value: T) => string = () => 'ready', unset?: (err: Error) => string | undefined): { value?: T; problem?: string } {
  try {
    const value = parse();
    showStatus(node, 'ready', ready(value));
    return { value };
  } catch (err) {
    const problem = (err as Error).message;
    const pending = unset?.(err as Error);
    if (pending) showStatus(node, 'pending', pending);
    else {
      showStatus(node, 'broken', problem);
      node.error(problem);
    }
    return { problem };
  }
}
