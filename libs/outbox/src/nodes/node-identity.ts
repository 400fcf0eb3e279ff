import { hostname } from 'node:os';

/** This process's entry in the node registry; `id` is assigned when the module starts. */
export class NodeIdentity {
  /** The registered node number; 0 until registered. */
  id = 0;
  readonly name = `${hostname()}:${process.pid}`;
}
