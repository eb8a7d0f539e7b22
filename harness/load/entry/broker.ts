// Child process entry: an embedded broker node (harness/load/broker-node.ts).
import { serveBrokerNode } from '../broker-node.ts';

serveBrokerNode();
