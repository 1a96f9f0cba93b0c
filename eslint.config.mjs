/**
 * n8n's lint rules for community node packages, combined the way n8n's own scaffold (@n8n/node-cli) does:
 * - @n8n/eslint-plugin-community-nodes, its `recommended` config (the one n8n Cloud's verification uses), on the
 *   code n8n loads (nodes/, credentials/, lib/) and on package.json;
 * - eslint-plugin-n8n-nodes-base's community, credentials and nodes rules.
 * Off everywhere: no-runtime-dependencies only. The package ships @azure/msal-node and @googleapis/people as runtime
 * dependencies, so it is an unverified package for self-hosted n8n (README: "n8n's lint rules"). The few rules off
 * in one folder below say why.
 */
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import typescriptParser from '@typescript-eslint/parser';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const communityRecommended = n8nCommunityNodesPlugin.configs.recommended;

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'test/**', 'bench/**', 'scripts/**', 'templates/**', '**/*.js'] },
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'lib/**/*.ts', 'package.json'],
		plugins: communityRecommended.plugins,
		rules: {
			...communityRecommended.rules,
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		// lib/ is the n8n-free core (DESIGN.md §3): it cannot throw n8n's error types (the nodes wrap its typed
		// errors into NodeOperationError / NodeApiError) nor use n8n-workflow's sleep, and it is where the runtime
		// dependencies and Node's http/https/tls live: the Cloud-only import and global rules are the
		// no-runtime-dependencies question again. Every other rule runs on it.
		files: ['lib/**/*.ts'],
		rules: {
			'@n8n/community-nodes/require-node-api-error': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
		},
	},
	{
		files: ['**/*.ts'],
		languageOptions: { parser: typescriptParser, sourceType: 'module', ecmaVersion: 2022 },
	},
	{
		files: ['package.json'],
		languageOptions: { parser: typescriptParser, parserOptions: { extraFileExtensions: ['.json'] } },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: n8nNodesBase.configs.community.rules,
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// The rule wants n8n's own docs slugs ("only applicable to nodes in the main repository");
			// a community credential links to a full documentation URL instead.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// Superseded by community-nodes' node-connection-type-literal, which wants NodeConnectionTypes.Main
			// where these want the string 'main' (n8n's own scaffold turns them off for the same reason).
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
];
