from vpcflow.cli import run

run()
