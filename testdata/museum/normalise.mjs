// Normalises IIIF Presentation 3 manifests and collections with
// @iiif/parser, a IIIF library that is not ecinema's, and checks what it
// made of them. Usage: node normalise.mjs FILE.json...
// Prints one JSON line per file; exits 1 when any file fails.
import { readFileSync } from 'node:fs';
import { normalize } from '@iiif/parser';
import { presentation3StrictUpgrade } from '@iiif/parser/strict';

let failed = false;
for (const file of process.argv.slice(2)) {
  const problems = [];
  const summary = { file };
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const { resource, entities } = normalize(doc);
    summary.type = resource?.type;
    if (!resource || resource.id !== doc.id || resource.type !== doc.type) {
      problems.push(`normalised resource is ${resource?.type} ${resource?.id}, not ${doc.type} ${doc.id}`);
    }
    const stored = doc.type === 'Manifest' ? entities.Manifest[doc.id] : entities.Collection[doc.id];
    if (!stored) problems.push('the resource is not among the normalised entities');
    if (doc.type === 'Manifest') {
      const canvases = stored?.items ?? [];
      summary.canvases = canvases.length;
      if (canvases.length !== doc.items.length || canvases.length === 0) {
        problems.push(`${canvases.length} canvases normalised, ${doc.items.length} in the manifest`);
      }
      for (const ref of canvases) {
        const canvas = entities.Canvas[ref.id];
        if (!canvas || !(canvas.width > 0) || !(canvas.height > 0)) problems.push(`canvas ${ref.id} lacks its size`);
        const page = entities.AnnotationPage[canvas?.items?.[0]?.id];
        const anno = entities.Annotation[page?.items?.[0]?.id];
        const body = anno && entities.ContentResource[anno.body?.[0]?.id];
        if (!body || body.type !== 'Image' || body.format !== 'image/jpeg') problems.push(`canvas ${ref.id} has no JPEG image body`);
        const service = body?.service?.[0];
        if (!service || service.type !== 'ImageService3' || service.profile !== 'level0') {
          problems.push(`canvas ${ref.id}: the image has no level 0 ImageService3`);
        }
      }
      for (const key of ['label', 'summary', 'metadata', 'requiredStatement', 'rights', 'provider', 'thumbnail', 'seeAlso']) {
        if (doc[key] === undefined) continue;
        const v = stored?.[key];
        if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) problems.push(`${key} lost in normalisation`);
      }
      const log = { warnings: [] };
      presentation3StrictUpgrade(structuredClone(doc), log);
      summary.strict_warnings = log.warnings;
      if (log.warnings.length > 0) problems.push(`strict upgrade warnings: ${log.warnings.join('; ')}`);
    } else {
      summary.manifests = (stored?.items ?? []).length;
      if (summary.manifests !== doc.items.length) problems.push(`${summary.manifests} items normalised, ${doc.items.length} in the collection`);
    }
  } catch (e) {
    problems.push(String(e?.stack ?? e));
  }
  summary.ok = problems.length === 0;
  if (!summary.ok) {
    summary.problems = problems;
    failed = true;
  }
  console.log(JSON.stringify(summary));
}
process.exit(failed ? 1 : 0);
