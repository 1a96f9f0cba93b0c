/**
 * n8n in queue mode as a scaled deployment runs it: a main process (editor, REST API, triggers) and
 * `n8n worker` processes that take the executions from a Redis (Bull) queue, all on one PostgreSQL
 * database. The services are throwaway ones (test/e2e/services.ts), stopped with the instance.
 */
import { startN8n, startN8nWorker, type N8nInstance, type N8nWorker, type StartN8nOptions } from './n8n-instance';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from './services';

export interface QueueModeN8n extends N8nInstance {
	/** The main process alone (its logs say which executions it enqueued). */
	main: N8nInstance;
	workers: N8nWorker[];
}

/** The queue-mode environment the main process and every worker share. */
function queueModeEnvironment(redis: RedisServer, postgres: PostgresServer): Record<string, string> {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_DATABASE: postgres.database,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		// Manual runs too: nothing of a workflow runs in the main process.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
	};
}

/** Starts Redis, PostgreSQL, the main process, then the workers (once the main process has migrated the database). */
export async function startQueueModeN8n(options: StartN8nOptions & { workers: number }): Promise<QueueModeN8n> {
	const stops: Array<() => Promise<void>> = [];
	// In reverse order of start: workers, main, then the services they use.
	const stopAll = async () => {
		for (const stop of stops.splice(0).reverse()) await stop();
	};
	try {
		const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
		stops.push(redis.stop, postgres.stop);
		const env = { ...options.env, ...queueModeEnvironment(redis, postgres) };
		const main = await startN8n({ ...options, env });
		stops.push(main.stop);
		const workers: N8nWorker[] = [];
		for (let index = 1; index <= options.workers; index++) {
			const worker = await startN8nWorker({ name: `worker-${index}`, mainUserFolder: main.userFolder, env, startupTimeoutMs: options.startupTimeoutMs });
			stops.push(worker.stop);
			workers.push(worker);
		}
		return {
			...main,
			main,
			workers,
			logs: () => [main.logs(), ...workers.map((worker) => `--- n8n ${worker.name} ---\n${worker.logs()}`)].join('\n'),
			stop: stopAll,
		};
	} catch (error) {
		await stopAll();
		throw error;
	}
}
