using Autoscaler.Cli;
using Autoscaler.Cli.Commands;

return await CliRunner.RunAsync(args, WebAppCommand.Create(), GatewayCommand.Create(), LoadCommand.Create(), ScalerCommand.Create(), UpCommand.Create(), ValidateCommand.Create(), ValidateCommand.CreateExport(), SimulateCommand.Create(), ReplayCommand.Create(), TuneCommand.Create());
