using OrtTune.Cli;

return OrtTuneCli.Run(args, Console.Out, Console.Error);
