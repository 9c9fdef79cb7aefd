"""The command work moves out of review into its own app (command/0001): review forgets the moved models
in the project's state only (their tables stay, under the same names), and their content types follow them."""

import django.db.models.deletion
from django.db import migrations, models

from governance.migration_ops import StateOnly


MOVED = ("actionitem", "agendaitem", "analysisreport", "analysissection", "consultation", "dailyreport", "decision",
         "follow", "instruction", "instructiondepartment", "invitation", "lettersequence", "meetingcadence", "radarrules",
         "radarrun", "risksignal", "risksignalcase", "urgentreport", "urgentreportentry", "warningletter")


def content_types_move(apps, schema_editor, *, source="review", target="command"):
    """The moved models' content types follow them, with their permissions and admin log entries. Where
    the target's already exist (made after a migration back and forth), those fresh ones give way."""
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    moving = content_types.filter(app_label=source, model__in=MOVED)
    content_types.filter(app_label=target, model__in=moving.values("model")).delete()
    moving.update(app_label=target)


def content_types_back(apps, schema_editor):
    content_types_move(apps, schema_editor, source="command", target="review")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('command', '0001_initial'),
        ('review', '0014_consultation_cancel'),
    ]

    operations = [
        StateOnly([
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='carried_action',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='added_by',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='consultation',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='letter',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='signal',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='agenda_item',
                ),
                migrations.RemoveField(
                    model_name='analysisreport',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='analysisreport',
                    name='issued_by',
                ),
                migrations.RemoveField(
                    model_name='analysisreport',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='analysissection',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='analysissection',
                    name='edited_by',
                ),
                migrations.RemoveField(
                    model_name='consultation',
                    name='cadence',
                ),
                migrations.RemoveField(
                    model_name='consultation',
                    name='cancelled_by',
                ),
                migrations.RemoveField(
                    model_name='consultation',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='consultation',
                    name='chair',
                ),
                migrations.RemoveField(
                    model_name='consultation',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='consultation',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='consultation',
                ),
                migrations.RemoveField(
                    model_name='dailyreport',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='dailyreport',
                    name='issued_by',
                ),
                migrations.RemoveField(
                    model_name='follow',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='follow',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='instruction',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='instruction',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='instruction',
                    name='leader',
                ),
                migrations.RemoveField(
                    model_name='instruction',
                    name='letter',
                ),
                migrations.RemoveField(
                    model_name='instructiondepartment',
                    name='instruction',
                ),
                migrations.RemoveField(
                    model_name='instructiondepartment',
                    name='answered_by',
                ),
                migrations.RemoveField(
                    model_name='instructiondepartment',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='lettersequence',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='meetingcadence',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='meetingcadence',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='radarrules',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='radarrun',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='radarrun',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='risksignal',
                    name='area',
                ),
                migrations.RemoveField(
                    model_name='risksignal',
                    name='cases',
                ),
                migrations.RemoveField(
                    model_name='risksignal',
                    name='category',
                ),
                migrations.RemoveField(
                    model_name='risksignal',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='risksignal',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='risksignal',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='risksignal',
                    name='key_person',
                ),
                migrations.RemoveField(
                    model_name='warningletter',
                    name='signal',
                ),
                migrations.RemoveField(
                    model_name='risksignalcase',
                    name='signal',
                ),
                migrations.RemoveField(
                    model_name='risksignalcase',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='urgentreport',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='urgentreport',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='urgentreport',
                    name='closed_by',
                ),
                migrations.RemoveField(
                    model_name='urgentreport',
                    name='opened_by',
                ),
                migrations.RemoveField(
                    model_name='urgentreport',
                    name='to_center',
                ),
                migrations.RemoveField(
                    model_name='urgentreportentry',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='urgentreportentry',
                    name='reported_by',
                ),
                migrations.RemoveField(
                    model_name='warningletter',
                    name='answered_by',
                ),
                migrations.RemoveField(
                    model_name='warningletter',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='warningletter',
                    name='center',
                ),
                migrations.RemoveField(
                    model_name='warningletter',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='warningletter',
                    name='issued_by',
                ),
                migrations.RemoveField(
                    model_name='warningletter',
                    name='trigger_record',
                ),
                migrations.AlterField(
                    model_name='accountabilityrung',
                    name='letter',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='ladder_rung', to='command.warningletter', verbose_name='函件'),
                ),
                migrations.DeleteModel(
                    name='ActionItem',
                ),
                migrations.DeleteModel(
                    name='AgendaItem',
                ),
                migrations.DeleteModel(
                    name='AnalysisReport',
                ),
                migrations.DeleteModel(
                    name='AnalysisSection',
                ),
                migrations.DeleteModel(
                    name='Decision',
                ),
                migrations.DeleteModel(
                    name='Consultation',
                ),
                migrations.DeleteModel(
                    name='DailyReport',
                ),
                migrations.DeleteModel(
                    name='Follow',
                ),
                migrations.DeleteModel(
                    name='Instruction',
                ),
                migrations.DeleteModel(
                    name='InstructionDepartment',
                ),
                migrations.DeleteModel(
                    name='Invitation',
                ),
                migrations.DeleteModel(
                    name='LetterSequence',
                ),
                migrations.DeleteModel(
                    name='MeetingCadence',
                ),
                migrations.DeleteModel(
                    name='RadarRules',
                ),
                migrations.DeleteModel(
                    name='RadarRun',
                ),
                migrations.DeleteModel(
                    name='RiskSignal',
                ),
                migrations.DeleteModel(
                    name='RiskSignalCase',
                ),
                migrations.DeleteModel(
                    name='UrgentReport',
                ),
                migrations.DeleteModel(
                    name='UrgentReportEntry',
                ),
                migrations.DeleteModel(
                    name='WarningLetter',
                ),
        ]),
        migrations.RunPython(content_types_move, content_types_back),
    ]
