"""A real OpenLDAP server (Debian's slapd) for the directory sign-in tests.

`Slapd.start()` builds a cn=config folder in a temporary folder with `slapadd -n0`, loads
tests/accounts_manager/directory.ldif with `slapadd`, checks both with `slaptest` and runs
`slapd -h ldap://127.0.0.1:<free port>/ -F <folder>` in the foreground as a child process, which
`stop()` ends. scripts/services.sh installs slapd when it is missing (`make test`); the package's
own service is not used.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SUFFIX = "dc=example,dc=com"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
LDIF = Path(__file__).parent / "accounts_manager" / "directory.ldif"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")

# The cn=config of a throwaway server, loaded with `slapadd -n0` as Debian's package loads its
# own: the schemas, the mdb backend module, and one database whose administrator the tests are.
CONFIG_LDIF = """\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {run}/slapd.pid
olcArgsFile: {run}/slapd.args

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{includes}

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {suffix}
olcRootDN: {root_dn}
olcRootPW: {root_password}
olcDbDirectory: {run}/data
olcDbMaxSize: 33554432
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcDbIndex: member eq
"""


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else "")
    if not path:
        raise RuntimeError(
            f"{name} is missing: install Debian's slapd (scripts/services.sh does, as `make test`)"
        )
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


def user_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


@dataclass
class Slapd:
    folder: Path
    port: int = 0
    process: subprocess.Popen | None = None
    log: list[str] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}/"

    def _run(self, *command: str) -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> Slapd:
        config, data = self.folder / "slapd.d", self.folder / "data"
        config.mkdir(parents=True)
        data.mkdir()
        schemas = "\n\n".join(f"include: file:///etc/ldap/schema/{name}.ldif" for name in SCHEMAS)
        conf = self.folder / "config.ldif"
        conf.write_text(
            CONFIG_LDIF.format(
                includes=schemas,
                run=self.folder,
                suffix=SUFFIX,
                root_dn=ROOT_DN,
                root_password=ROOT_PASSWORD,
            )
        )
        self._run(_tool("slapadd"), "-n0", "-F", str(config), "-l", str(conf))
        self._run(_tool("slapadd"), "-q", "-F", str(config), "-b", SUFFIX, "-l", str(LDIF))
        self._run(_tool("slaptest"), "-Q", "-F", str(config))
        self.port = _free_port()
        # -d: stay in the foreground (a child of the tests, ended by stop()); no debug output.
        self.process = subprocess.Popen(
            [_tool("slapd"), "-h", self.uri, "-F", str(config), "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._wait_until_answering()
        return self

    def _wait_until_answering(self, timeout: float = 15) -> None:
        import ldap

        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                errors = self.process.stderr.read() if self.process.stderr else ""
                raise RuntimeError(f"slapd exited ({self.process.returncode}): {errors}")
            try:
                self.connection().unbind_s()
                return
            except ldap.SERVER_DOWN:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"slapd did not answer on {self.uri}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    # --- changing the directory as its administrator ----------------------------------------

    def connection(self):
        import ldap

        connection = ldap.initialize(self.uri, bytes_mode=False)
        connection.set_option(ldap.OPT_NETWORK_TIMEOUT, 2)
        connection.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return connection

    def add_user(
        self,
        uid: str,
        *,
        password: str,
        name: str,
        groups: tuple[str, ...] = (),
        mail: str = "",
        employee_no: str = "",
    ) -> str:
        attrs = {
            "objectClass": [b"inetOrgPerson"],
            "uid": [uid.encode()],
            "cn": [name.encode()],
            "sn": [name.encode()],
            "userPassword": [password.encode()],
        }
        if mail:
            attrs["mail"] = [mail.encode()]
        if employee_no:
            attrs["employeeNumber"] = [employee_no.encode()]
        connection = self.connection()
        try:
            connection.add_s(user_dn(uid), list(attrs.items()))
        finally:
            connection.unbind_s()
        for group in groups:
            self.add_to_group(uid, group)
        return user_dn(uid)

    def add_to_group(self, uid: str, group: str) -> None:
        import ldap

        self._modify(group_dn(group), [(ldap.MOD_ADD, "member", [user_dn(uid).encode()])])

    def remove_from_group(self, uid: str, group: str) -> None:
        import ldap

        self._modify(group_dn(group), [(ldap.MOD_DELETE, "member", [user_dn(uid).encode()])])

    def delete_user(self, uid: str) -> None:
        import ldap

        connection = self.connection()
        try:
            for dn, _attrs in connection.search_s(
                GROUPS, ldap.SCOPE_ONELEVEL, f"(member={user_dn(uid)})", ["cn"]
            ):
                connection.modify_s(dn, [(ldap.MOD_DELETE, "member", [user_dn(uid).encode()])])
            connection.delete_s(user_dn(uid))
        finally:
            connection.unbind_s()

    def _modify(self, dn: str, changes: list) -> None:
        connection = self.connection()
        try:
            connection.modify_s(dn, changes)
        finally:
            connection.unbind_s()
