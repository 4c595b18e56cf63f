{
  description = "kingdom-server development shell: Node.js 20, PostgreSQL 15, dbmate, NATS server";

  # Node.js 20 reached end of life on 2026-04-30: later branches mark nodejs_20 insecure or drop it,
  # so this stays on the newest branch that ships it plainly. The first `nix develop` writes flake.lock,
  # which pins the exact commit: commit it (this repository was made on machines without nix).
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = with pkgs; [
            nodejs_20 # matches "engines" in package.json
            postgresql_15 # same major version as CI
            dbmate # migrations (npm run db:migrate uses the npm copy; this one is for ad-hoc use)
            nats-server # external bus for the outbox relay and workers
          ];

          shellHook = ''
            cat <<EOF
            kingdom-server: node $(node --version), $(postgres --version), $(dbmate --version), $(nats-server --version)

              No PostgreSQL needed:  npm install && npm start   (embedded database, PGlite)

              PostgreSQL 15 in this folder (.data/ is git-ignored):
                initdb -D .data/pg -U postgres --auth=trust
                pg_ctl -D .data/pg -l .data/pg.log -o "-k $PWD/.data -h 127.0.0.1 -p 5432" start
                export DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
                npm run db:migrate
              Stop it with:  pg_ctl -D .data/pg stop
            EOF
          '';
        };
      });
    };
}
