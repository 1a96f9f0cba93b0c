const { src, dest, parallel } = require('gulp');

// Icons and codex files sit beside the node sources; n8n loads them from dist/ next to the compiled nodes.
function copyNodeAssets() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(dest('dist'));
}

function copyTemplates() {
	return src('templates/**/*.json', { base: '.', allowEmpty: true }).pipe(dest('dist'));
}

exports['build:icons'] = parallel(copyNodeAssets, copyTemplates);
