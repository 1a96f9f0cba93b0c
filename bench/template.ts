/**
 * Our one-way template (templates/dynamics365-to-google-contacts-one-way.json) as the bench runs it:
 * sticky notes dropped, and the trigger's Max Contacts per Poll raised to one full Web API page so
 * that an initial sync reads whole 5,000-row pages (the only parameter the bench changes).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { WorkflowJson } from '../test/harness/n8n';
import { MAX_PAGE_SIZE } from '../lib/dynamics/client';

export const TEMPLATE_PATH = path.resolve(__dirname, '../templates/dynamics365-to-google-contacts-one-way.json');
export const TRIGGER_TYPE = 'n8n-nodes-dynamics365-sync.dynamics365ContactTrigger';

export function oneWayTemplate(): WorkflowJson & { triggerName: string } {
	const template = JSON.parse(fs.readFileSync(TEMPLATE_PATH, 'utf8')) as WorkflowJson;
	const nodes = template.nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote');
	const trigger = nodes.find((node) => node.type === TRIGGER_TYPE);
	if (!trigger) throw new Error(`${TEMPLATE_PATH} has no Dynamics 365 Contact Trigger`);
	trigger.parameters = { ...trigger.parameters, maxContacts: MAX_PAGE_SIZE };
	return { nodes, connections: template.connections, triggerName: trigger.name };
}
