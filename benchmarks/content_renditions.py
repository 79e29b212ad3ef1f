"""Renditions made by the worker (issue 15: "renditions made in the worker at a measured
rate"): uploads images the size a marketing team stores, then runs the worker's task body,
``pacer.content.tasks.render``, on each version (read the original from storage, make the
thumbnail and the medium rendition, write them and their rows).

    .venv/bin/python benchmarks/content_renditions.py [IMAGES]

Default 24 images, in turns: a 4,000 x 3,000 camera JPEG (12 MP), a 1,920 x 1,080 PNG
screenshot and a 1,200 x 1,200 PNG logo with transparency; each with noise so the codecs
do real work. Prints, per kind and in all, the median and p95 seconds per image and the
rate (images per second) in wall time and in this process's CPU time (read the CPU
figure on a loaded machine: the wall time is then mostly waiting for a core). One
worker process; the worker runs as many as there are cores. SQLite by default;
``PACER_BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

import io
import statistics
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

django_in_temp_dir("pacer-bench-renditions-")
from PIL import Image  # noqa: E402

from pacer.content import assets, tasks  # noqa: E402
from pacer.content.models import AssetVersion, Rendition  # noqa: E402
from pacer.core import actions as core  # noqa: E402

KINDS = {  # name -> (width, height, mode, format)
    "camera JPEG 4000x3000": (4000, 3000, "RGB", "JPEG"),
    "screenshot PNG 1920x1080": (1920, 1080, "RGB", "PNG"),
    "logo PNG 1200x1200 alpha": (1200, 1200, "RGBA", "PNG"),
}


def image(width: int, height: int, mode: str, fmt: str, seed: int) -> bytes:
    """A picture with gradients and noise (flat colour would compress to nothing)."""
    noise = Image.effect_noise((width, height), 40 + seed % 7)
    gradient = Image.linear_gradient("L").resize((width, height))
    bands = [noise, gradient, Image.merge("L", [noise]).rotate(180)]
    if mode == "RGBA":
        bands.append(gradient.rotate(90))
    buffer = io.BytesIO()
    Image.merge(mode, bands).save(buffer, fmt, quality=90)
    return buffer.getvalue()


def summary(name: str, walls: list[float], cpus: list[float]) -> str:
    def p95(values):
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    return (
        f"{name:<28} {len(walls):>3} images  wall median {statistics.median(walls):.3f} s "
        f"p95 {p95(walls):.3f} s ({len(walls) / sum(walls):.2f}/s)  CPU median "
        f"{statistics.median(cpus):.3f} s p95 {p95(cpus):.3f} s ({len(cpus) / sum(cpus):.2f}/s)"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    workspace = core.create_workspace("Bench", slug="bench")
    names = list(KINDS)
    versions = []
    for n in range(count):
        name = names[n % len(names)]
        width, height, mode, fmt = KINDS[name]
        data = image(width, height, mode, fmt, n)
        asset = assets.upload_asset(
            workspace,
            name=f"{name} {n}",
            filename=f"image-{n}.{'jpg' if fmt == 'JPEG' else 'png'}",
            data=data,
        )
        versions.append((name, AssetVersion.objects.get(asset=asset).pk, len(data)))
    print(f"{count} images uploaded; originals {sum(v[2] for v in versions) / 1e6:.1f} MB")
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    for name, version_id, _ in versions:
        start, cpu = time.perf_counter(), time.process_time()
        made = tasks.render(version_id)
        walls[name].append(time.perf_counter() - start)
        cpus[name].append(time.process_time() - cpu)
        assert made == 2, (name, made)
    assert Rendition.objects.count() == 2 * count
    for name in names:
        print(summary(name, walls[name], cpus[name]))
    print(summary("all", sum(walls.values(), []), sum(cpus.values(), [])))


if __name__ == "__main__":
    main()
