import type { INodeProperties } from 'n8n-workflow';

/** "Start With", the same choice on both triggers; `initialSyncNote` says how the initial sync labels its items. */
export function startWithParameter(initialSyncNote: string): INodeProperties {
	return {
		displayName: 'Start With',
		name: 'startWith',
		type: 'options',
		options: [
			{
				name: 'Changes From Now On',
				value: 'now',
				description: 'The first activation marks the place and emits nothing; later polls emit what changes',
			},
			{
				name: 'All Existing Contacts',
				value: 'allContacts',
				description: `An initial sync: the first polls emit every contact${initialSyncNote}, then the changes follow`,
			},
		],
		default: 'now',
		description: 'Where the trigger starts when it is first activated. Later activations continue where it stopped.',
	};
}

/** "Max Contacts per Poll", the bound that keeps a large initial sync out of memory; `scope` is "org" or "account". */
export function maxContactsParameter(scope: string): INodeProperties {
	return {
		displayName: 'Max Contacts per Poll',
		name: 'maxContacts',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1000,
		description: `The most contacts one poll reads; the rest follow on the next polls, so a large initial sync never holds the whole ${scope} in memory`,
	};
}
