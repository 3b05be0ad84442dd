"""SBOMs in CycloneDX JSON or SPDX JSON (as syft writes them), reduced to packages and licenses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shipyard.parsers._json import Fields, as_object, load_json, wrong_report

_EXPECTED = "a CycloneDX or SPDX JSON SBOM"
_NO_LICENSE = frozenset({"NOASSERTION", "NONE"})

SbomFormat = Literal["cyclonedx", "spdx"]


@dataclass(frozen=True, slots=True)
class SbomPackage:
    """One package (CycloneDX component, SPDX package)."""

    name: str
    """The package name."""
    version: str | None
    """Its version, when known."""
    purl: str | None
    """Its package URL, when known."""
    licenses: tuple[str, ...]
    """License ids, names or expressions; empty when unknown (NOASSERTION)."""


@dataclass(frozen=True, slots=True)
class Sbom:
    """A parsed SBOM."""

    source: str
    """The file it was read from."""
    format: SbomFormat
    """Which standard it follows."""
    spec_version: str
    """CycloneDX specVersion (1.6) or SPDX version (SPDX-2.3)."""
    subject: str | None
    """What the SBOM describes (CycloneDX metadata.component, SPDX DESCRIBES); not a package."""
    packages: tuple[SbomPackage, ...]
    """Every package entry, in document order (one package found twice is listed twice)."""

    @property
    def package_count(self) -> int:
        """Number of package entries."""
        return len(self.packages)

    @property
    def licenses(self) -> tuple[str, ...]:
        """Every license named by some package, sorted, each once."""
        return tuple(sorted({name for package in self.packages for name in package.licenses}))


def parse_sbom(data: bytes | str, *, source: str) -> Sbom:
    """Parse a CycloneDX or SPDX JSON SBOM, detecting which it is; anything else is refused."""
    document = load_json(data, source=source, expected=_EXPECTED)
    obj = as_object(document)
    if obj is not None and "bomFormat" in obj:
        return _cyclonedx(Fields(obj, source=source, expected=_EXPECTED, where="the SBOM"))
    if obj is not None and "spdxVersion" in obj:
        return _spdx(Fields(obj, source=source, expected=_EXPECTED, where="the SBOM"))
    raise wrong_report(
        document, source=source, expected=_EXPECTED, want="an object with 'bomFormat' or 'spdxVersion'"
    )


def _cyclonedx(bom: Fields) -> Sbom:
    if bom.text("bomFormat") != "CycloneDX":
        raise bom.error(f"has bomFormat {bom.obj['bomFormat']!r}, not 'CycloneDX'")
    metadata = bom.obj.get("metadata")
    subject = None
    if isinstance(metadata, dict) and "component" in metadata:
        subject = bom.child("metadata", "metadata").child("component", "metadata.component").opt_text("name")
    return Sbom(
        source=bom.source,
        format="cyclonedx",
        spec_version=bom.text("specVersion"),
        subject=subject,
        packages=tuple(_components(bom, "components")),
    )


def _components(parent: Fields, key: str) -> list[SbomPackage]:
    packages: list[SbomPackage] = []
    for index, item in enumerate(parent.items(key)):
        component = Fields(item, source=parent.source, expected=_EXPECTED, where=f"{key}[{index}]")
        packages.append(
            SbomPackage(
                name=component.text("name"),
                version=component.opt_text("version"),
                purl=component.opt_text("purl"),
                licenses=tuple(_cyclonedx_licenses(component)),
            )
        )
        packages.extend(_components(component, "components"))  # nested components are packages too
    return packages


def _cyclonedx_licenses(component: Fields) -> list[str]:
    names: list[str] = []
    for index, item in enumerate(component.items("licenses")):
        choice = Fields(
            item, source=component.source, expected=_EXPECTED, where=f"{component.where}.licenses[{index}]"
        )
        if (expression := choice.opt_text("expression")) is not None:
            names.append(expression)
        elif "license" in choice.obj:
            license_ = choice.child("license", f"{choice.where}.license")
            name = license_.opt_text("id") or license_.opt_text("name")
            if name is None:
                raise license_.error("has neither 'id' nor 'name'")
            names.append(name)
    return names


def _spdx(document: Fields) -> Sbom:
    version = document.text("spdxVersion")
    if not version.startswith("SPDX-"):
        raise document.error(f"has spdxVersion {version!r}, not 'SPDX-<major>.<minor>'")
    described = {item for item in document.items("documentDescribes") if isinstance(item, str)}
    for index, item in enumerate(document.items("relationships")):
        relation = Fields(item, source=document.source, expected=_EXPECTED, where=f"relationships[{index}]")
        if relation.opt_text("relationshipType") == "DESCRIBES" and relation.opt_text(
            "spdxElementId"
        ) == document.opt_text("SPDXID"):
            described.add(relation.text("relatedSpdxElement"))
    subject: str | None = None
    packages: list[SbomPackage] = []
    for index, item in enumerate(document.items("packages")):
        package = Fields(item, source=document.source, expected=_EXPECTED, where=f"packages[{index}]")
        if package.opt_text("SPDXID") in described:
            subject = package.text("name")
            continue
        licenses = (package.opt_text("licenseConcluded"), package.opt_text("licenseDeclared"))
        packages.append(
            SbomPackage(
                name=package.text("name"),
                version=package.opt_text("versionInfo"),
                purl=_spdx_purl(package),
                licenses=tuple(dict.fromkeys(name for name in licenses if name and name not in _NO_LICENSE)),
            )
        )
    return Sbom(
        source=document.source,
        format="spdx",
        spec_version=version,
        subject=subject,
        packages=tuple(packages),
    )


def _spdx_purl(package: Fields) -> str | None:
    for index, item in enumerate(package.items("externalRefs")):
        ref = Fields(
            item, source=package.source, expected=_EXPECTED, where=f"{package.where}.externalRefs[{index}]"
        )
        if ref.opt_text("referenceType") == "purl":
            return ref.opt_text("referenceLocator")
    return None
