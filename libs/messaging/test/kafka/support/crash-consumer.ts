// A consumer process for the crash-recovery suite, run by `node` after `compileForNode`.
// Usage: crash-consumer <topic> <groupId> <handleMs>. It reports on stdout, one line per event,
// prefixed with `@@` because Nest's log shares stdout: `@@ready`, `@@start <seq>`, `@@done <seq>`.
import { KafkaTransport } from '../../../src/transports/kafka/kafka-transport.js';
import { sleep, testTransportOptions } from './kafka-test-kit.js';

const [topic, groupId, handleMs] = process.argv.slice(2);
const report = (line: string) => process.stdout.write(`@@${line}\n`);

const transport = new KafkaTransport(testTransportOptions({ consumer: { sessionTimeoutMs: 6_000 } }));
transport.subscribe({
  groupId: groupId!,
  topics: [topic!],
  handle: async (record) => {
    report(`start ${record.headers.seq}`);
    await sleep(Number(handleMs));
    report(`done ${record.headers.seq}`);
  },
});
await transport.start();
report('ready');
