const { src, dest, parallel } = require('gulp');

// Icons (shared ones in icons/) and codex files go to dist/ beside the compiled nodes, where n8n loads them.
function copyNodeAssets() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}', 'icons/*.svg'], { base: '.', encoding: false }).pipe(dest('dist'));
}

function copyTemplates() {
	return src('templates/**/*.json', { base: '.', allowEmpty: true }).pipe(dest('dist'));
}

exports['build:icons'] = parallel(copyNodeAssets, copyTemplates);
