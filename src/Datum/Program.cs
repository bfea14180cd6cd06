using System.CommandLine;
using Datum.Cli;

var root = new RootCommand("datum: a Kubernetes-compatible control plane for Datum's network cloud.");
root.Subcommands.Add(UpCommand.Create("up", withControllers: true));
root.Subcommands.Add(UpCommand.Create("server", withControllers: false));
root.Subcommands.Add(ControllersCommand.Create());
root.Subcommands.Add(KubeconfigCommand.Create());
root.Subcommands.Add(TokenCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
