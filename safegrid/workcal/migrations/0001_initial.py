from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Holiday",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="日期")),
                ("kind", models.CharField(choices=[("holiday", "法定节假日(休)"), ("workday", "调休上班")],
                                          max_length=10, verbose_name="类型")),
                ("name", models.CharField(blank=True, max_length=50, verbose_name="节日")),
                ("source", models.CharField(blank=True, max_length=200, verbose_name="来源")),
            ],
            options={"verbose_name": "节假日安排", "verbose_name_plural": "节假日安排", "ordering": ["date"]},
        ),
    ]
